#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: consul_acl_bootstrap
short_description: Bootstrap the ACL system of a Consul cluster, once in its life
version_added: 0.5.0
description:
  - Asks Consul for the cluster's first management token (C(PUT /v1/acl/bootstrap)). Only a cluster
    never bootstrapped gives one; Consul refuses every later request, naming its I(reset index) (the
    number an operator who lost every management token writes to the C(acl-bootstrap-reset) file of
    the leader's data directory to bootstrap again). The module reports that refusal without failing,
    in RV(reset_index).
  - When O(token) (or O(token_file)) is given and Consul knows that token, the cluster was bootstrapped
    and the token works, so the module asks nothing more (RV(token_valid)).
  - A new cluster answers HTTP 500 for a while (no leader yet; its ACLs in legacy mode until every
    server has switched); the module asks again until O(timeout).
  - Returns the new token's secret; the result of a task that got one is hidden from output and logs
    (as with C(no_log)) by the module's action. Run the task with C(no_log) all the same, and keep the
    secret somewhere safe; Consul never gives it again.
  - Consul 1.8 or newer; the request carries no token.
extends_documentation_fragment:
  - discovery.consul_dns.connection
attributes:
  check_mode:
    support: full
    description:
      - Checks whether O(token) works, and asks nothing else. Without a working token it reports the
        change it would try, not knowing whether the cluster was bootstrapped before.
  diff_mode:
    support: full
    description: Shows whether the cluster is bootstrapped (C(bootstrapped)), before and after.
options:
  timeout:
    description: Seconds to keep asking while Consul answers with a server error or cannot be reached.
    type: float
    default: 60
  poll_interval:
    description: Seconds between two tries.
    type: float
    default: 1
seealso:
  - module: discovery.consul_dns.consul_acl_token_info
  - module: discovery.consul_dns.consul_acl_token
  - name: Consul's ACL bootstrap endpoint
    description: The request, and the reset procedure.
    link: https://developer.hashicorp.com/consul/api-docs/acl#bootstrap-acls
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: Bootstrap ACLs unless the management token already works
  discovery.consul_dns.consul_acl_bootstrap:
    token: "{{ consul_management_token | default('') }}"
  register: bootstrap
  no_log: true

- name: Keep the new management token
  ansible.builtin.copy:
    dest: /root/.consul-management-token
    content: "{{ bootstrap.secret_id }}\n"
    mode: "0600"
  no_log: true
  when: bootstrap.secret_id is defined

- name: Refuse to go on without a working management token
  ansible.builtin.fail:
    msg: "ACLs were bootstrapped before (reset index {{ bootstrap.reset_index }}); give the management token"
  when: bootstrap.reset_index is defined
"""

RETURN = r"""
accessor_id:
  description: Public ID of the new management token.
  returned: when this task bootstrapped the cluster (not in check mode)
  type: str
  sample: 6a1253d2-1785-24fd-91c2-f8e78c745511
secret_id:
  description: The new management token's secret. Sensitive; the task's result is hidden when it holds one.
  returned: when this task bootstrapped the cluster (not in check mode)
  type: str
token_valid:
  description: Whether Consul knows O(token); when it does, nothing else was asked.
  returned: when O(token) or O(token_file) is given
  type: bool
  sample: true
reset_index:
  description: The reset index Consul named in refusing; the cluster was bootstrapped before, and O(token) does not work.
  returned: when the cluster was bootstrapped before and no working token was given
  type: int
  sample: 13
"""

import re
import time

from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_client import ConsulDenied, ConsulError
from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_module import ConsulModule

# Consul's refusal once bootstrapped: "Permission denied: ACL bootstrap no longer allowed (reset index: 13)"
RESET_INDEX = re.compile(r"reset index: (\d+)")


def bootstrap(client, check_mode, timeout, poll_interval, clock=time.monotonic, sleep=time.sleep):
    """(outcome, values): "token_valid", "bootstrapped" (values: the token; empty in check mode) or
    "bootstrapped_before" (values: the reset index). Server errors and an agent that does not answer
    are tried again until ``timeout``; a refusal of any other kind is a ConsulError."""
    start = clock()
    while True:
        try:
            if client.has_token:
                try:
                    client.acl_token_self()
                    return "token_valid", {}
                except ConsulDenied:   # "ACL not found": a token of another cluster, or deleted
                    pass
            if check_mode:
                return "bootstrapped", {}
            try:
                return "bootstrapped", client.acl_bootstrap()
            except ConsulDenied as exc:
                index = RESET_INDEX.search(exc.answer or "")
                if not index:
                    raise
                return "bootstrapped_before", dict(reset_index=int(index.group(1)))
        except ConsulError as exc:
            if exc.status is not None and exc.status < 500 or clock() - start >= timeout:
                raise
        sleep(poll_interval)


def main():
    module = ConsulModule(argument_spec=dict(
        timeout=dict(type="float", default=60.0),
        poll_interval=dict(type="float", default=1.0),
    ))
    params = module.params
    with module.errors():
        outcome, values = bootstrap(module.client, module.check_mode, params["timeout"], params["poll_interval"])
    if module.client.has_token:
        module.result["token_valid"] = outcome == "token_valid"
    module.change(dict(bootstrapped=outcome != "bootstrapped"), dict(bootstrapped=True))
    if outcome == "bootstrapped" and values:
        # the secret is what the task is for: the action hides the whole result (not the value alone)
        module.result.update(accessor_id=values["AccessorID"], secret_id=values["SecretID"])
    elif outcome == "bootstrapped_before":
        module.result["reset_index"] = values["reset_index"]
    module.exit()


if __name__ == "__main__":
    main()
