#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: consul_acl_tokens
short_description: Create or update many Consul ACL tokens in one task, each identified by its description
version_added: 0.6.0
description:
  - What M(discovery.consul_dns.consul_acl_token) does for one token, for a list of them, with one listing of
    the cluster's tokens for all. The consul role makes every host's own token in one step of a play, on the
    server that administers ACLs, instead of one step per host.
  - Needs a token with C(acl = "write") (the management token).
  - Returns each token's secret. Run the task with C(no_log) so that no secret reaches output or logs.
  - Creates and updates the tokens listed. With O(purge_prefix), also deletes every other token whose
    description starts with that prefix and is not in O(keep), the tokens of hosts that are gone (the
    consul role purges the agent tokens of nodes no longer in its inventory).
extends_documentation_fragment:
  - discovery.consul_dns.connection
  - discovery.consul_dns.attributes
options:
  tokens:
    description: The tokens, each with the options of M(discovery.consul_dns.consul_acl_token) but O(ignore:state).
    type: list
    elements: dict
    required: true
    suboptions:
      description:
        description: Description of the token; unique among tokens and in this list, it is how the module finds it again.
        type: str
        required: true
      policies:
        description: Names of the policies linked to the token.
        type: list
        elements: str
        default: []
      node_identities:
        description: Node identities (Consul 1.8.1 or newer).
        type: list
        elements: dict
        default: []
        suboptions:
          node_name:
            description: The node's name.
            type: str
            required: true
          datacenter:
            description: The node's datacenter.
            type: str
            required: true
      service_identities:
        description: Names of services the token may register (service identities).
        type: list
        elements: str
        default: []
      service_identity_datacenters:
        description: The datacenters where O(tokens[].service_identities) are valid; empty for every datacenter.
        type: list
        elements: str
        default: []
        version_added: 0.7.0
      append_service_identities:
        description: Keep the service identities the token has besides O(tokens[].service_identities).
        type: bool
        default: false
      local:
        description: Keep the token in this datacenter only.
        type: bool
        default: false
  purge_prefix:
    description:
      - Delete every token whose description starts with this prefix and is neither in O(tokens) nor in
        O(keep). At least one character; nothing is deleted without it.
    type: str
  keep:
    description: Descriptions of tokens O(purge_prefix) must not delete besides those of O(tokens) (hosts outside the play).
    type: list
    elements: str
    default: []
seealso:
  - module: discovery.consul_dns.consul_acl_token
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: The agent tokens of web1 and web2, each for its node and its services
  discovery.consul_dns.consul_acl_tokens:
    tokens:
      - description: agent token of web1
        node_identities: [{node_name: web1, datacenter: bj}]
        service_identities: [web]
      - description: agent token of web2
        node_identities: [{node_name: web2, datacenter: bj}]
        service_identities: [web]
    token: "{{ consul_management_token }}"
  register: agent_tokens
  no_log: true

- name: web1's secret
  ansible.builtin.set_fact:
    web1_token: "{{ agent_tokens.tokens['agent token of web1'].secret_id }}"
  no_log: true
"""

RETURN = r"""
tokens:
  description:
    - Each token by its description, with C(accessor_id) and C(secret_id) (sensitive; not returned for a new
      token in check mode), C(service_identities) (it has, or would have in check mode) and C(changed).
  returned: always
  type: dict
  sample: {"agent token of web1": {accessor_id: 6a1253d2-1785-24fd-91c2-f8e78c745511, changed: false, service_identities: [web]}}
purged:
  description: The descriptions of the tokens O(purge_prefix) deleted (would delete, in check mode).
  returned: always
  type: list
  elements: str
  sample: ["agent token of web4"]
"""

from ansible_collections.discovery.consul_dns.plugins.module_utils.acl_tokens import TOKEN_OPTIONS, comparable, ensure_token, read_token
from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_module import ConsulModule, OptionError


def main():
    # the tokens' definitions, not their secrets (which only the result holds)
    module = ConsulModule(argument_spec=dict(
        tokens=dict(type="list", elements="dict", required=True, no_log=False, options=TOKEN_OPTIONS),
        purge_prefix=dict(type="str"),
        keep=dict(type="list", elements="str", default=[], no_log=False),
    ))
    wanted = module.params["tokens"]
    purge_prefix = module.params["purge_prefix"]
    module.keyed_diff()
    results = {}
    with module.errors():
        if purge_prefix is not None and not purge_prefix:
            raise OptionError("purge_prefix", "must hold at least one character: an empty prefix would purge every token")
        descriptions = [spec["description"] for spec in wanted]
        repeated = sorted(set(d for d in descriptions if descriptions.count(d) > 1))
        if repeated:
            raise OptionError("tokens", "each description once; repeated: %s" % ", ".join(repeated))
        # one listing for all; every token read before any is written, so that a description two
        # tokens share fails the task with nothing changed
        listed = module.client.acl_list("token")
        currents = []
        for spec in wanted:
            try:
                currents.append(read_token(module.client, listed, spec["description"]))
            except ValueError as exc:
                raise OptionError("tokens", str(exc))
        for spec, current in zip(wanted, currents):
            token, after, changed = ensure_token(module, current, spec, key=spec["description"])
            result = dict(changed=changed, service_identities=[name for name, _dcs in after["ServiceIdentities"]])
            if token:
                result.update(accessor_id=token["AccessorID"], secret_id=token["SecretID"])
            results[spec["description"]] = result
        purged = purge(module, listed, purge_prefix, set(descriptions) | set(module.params["keep"])) if purge_prefix else []
    module.exit(tokens=results, purged=purged)


def purge(module, listed, prefix, kept):
    """Delete the listed tokens whose description starts with ``prefix`` and is not ``kept``; their descriptions."""
    gone = sorted((token for token in listed
                   if (token.get("Description") or "").startswith(prefix) and token["Description"] not in kept),
                  key=lambda token: token["Description"])
    for stub in gone:
        token = module.client.acl_read("token", stub["AccessorID"])
        if token is None:   # deleted meanwhile
            continue
        module.change(comparable(token), None, key=stub["Description"])
        module.apply(module.client.acl_delete, "token", stub["AccessorID"])
    return [token["Description"] for token in gone]


if __name__ == "__main__":
    main()
