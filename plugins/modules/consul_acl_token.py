#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: consul_acl_token
short_description: Create, update or delete a Consul ACL token, identified by its description
version_added: 0.1.0
description:
  - Manages an ACL token whose description identifies it (Consul generates token IDs), with its
    policies and node identities. Needs a token with C(acl = "write") (the management token).
  - Returns the token's secret. Run the task with C(no_log) so that it never reaches output or logs.
extends_documentation_fragment:
  - discovery.consul_dns.connection
  - discovery.consul_dns.attributes
options:
  description:
    description: Description of the token; unique among tokens, it is how the module finds it again.
    type: str
    required: true
  policies:
    description: Names of the policies linked to the token.
    type: list
    elements: str
    default: []
  node_identities:
    description:
      - Node identities (Consul 1.8.1 or newer); each grants what an agent on that node needs
        (C(node) write, C(service_prefix) read).
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
    description:
      - Names of services the token may register (service identities, valid in every datacenter
        unless O(service_identity_datacenters) says otherwise); each grants C(service) write on that
        one name (and its sidecar proxy) plus read on every service and node, what registering that
        service needs and no more.
    type: list
    elements: str
    default: []
  service_identity_datacenters:
    description:
      - The datacenters where O(service_identities) are valid; empty for every datacenter. The consul
        role gives each agent's token its own datacenter only.
    type: list
    elements: str
    default: []
    version_added: 0.7.0
  append_service_identities:
    description:
      - Keep the service identities the token has besides O(service_identities). A host that stops
        declaring a service can still deregister it with its own token in the same run; a second
        task without this option then takes the identity away.
    type: bool
    default: false
  local:
    description: Keep the token in this datacenter only.
    type: bool
    default: false
  state:
    description: Whether the token should exist.
    type: str
    choices: [present, absent]
    default: present
seealso:
  - module: discovery.consul_dns.consul_acl_policy
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: An agent token for node web1
  discovery.consul_dns.consul_acl_token:
    description: agent token of web1
    node_identities:
      - {node_name: web1, datacenter: bj}
    token: "{{ consul_management_token }}"
  register: web1_agent_token
  no_log: true

- name: web1 may register its own service web, and nothing else
  discovery.consul_dns.consul_acl_token:
    description: agent token of web1
    node_identities:
      - {node_name: web1, datacenter: bj}
    service_identities: [web]
    token: "{{ consul_management_token }}"
  no_log: true
"""

RETURN = r"""
accessor_id:
  description: Public ID of the token.
  returned: when O(state=present) and not in check mode for a new token
  type: str
  sample: 6a1253d2-1785-24fd-91c2-f8e78c745511
secret_id:
  description: The token's secret, what clients send. Sensitive; run the task with C(no_log).
  returned: when O(state=present) and not in check mode for a new token
  type: str
service_identities:
  description: Names of the service identities the token has (would have, in check mode).
  returned: when O(state=present)
  type: list
  elements: str
  sample: [web]
"""

from ansible_collections.discovery.consul_dns.plugins.module_utils.acl_tokens import (
    TOKEN_OPTIONS,
    comparable,
    ensure_token,
    read_token,
)
from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_module import ConsulModule


def main():
    spec = dict(TOKEN_OPTIONS)
    spec.update(state=dict(type="str", choices=["present", "absent"], default="present"))
    module = ConsulModule(argument_spec=spec)
    params = module.params
    token = after = None
    with module.errors():
        try:
            current = read_token(module.client, module.client.acl_list("token"), params["description"])
        except ValueError as exc:
            module.fail(str(exc))
        if params["state"] == "present":
            token, after, _changed = ensure_token(module, current, params)
        elif module.change(comparable(current) if current else None, None):
            module.apply(module.client.acl_delete, "token", current["AccessorID"])
    if after and token:
        module.result.update(accessor_id=token["AccessorID"], secret_id=token["SecretID"])
    if after:
        module.result["service_identities"] = [name for name, _datacenters in after["ServiceIdentities"]]
    module.exit()


if __name__ == "__main__":
    main()
