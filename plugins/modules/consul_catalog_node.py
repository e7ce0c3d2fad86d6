#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: consul_catalog_node
short_description: Take a node that is gone out of the Consul catalog, with its services and checks
version_added: 0.6.0
description:
  - Deregisters a node from the catalog (C(PUT /v1/catalog/deregister)), with every service and check it had.
    For a node whose agent is gone for good; a running agent registers itself again.
  - A node whose agent left the cluster is normally taken out by the leader; an agent that synced a
    check while it was stopping can leave an entry behind, which this removes.
  - Needs a token that may write the node (the management token), through an agent whose API does not
    block the catalog endpoints (a server's, in the consul role's defaults).
extends_documentation_fragment:
  - discovery.consul_dns.connection
attributes:
  check_mode:
    support: full
    description: Reads whether the catalog has the node and reports the change, deregistering nothing.
  diff_mode:
    support: full
    description: Shows the node's services before, and nothing after.
options:
  name:
    description: The node's name.
    type: str
    required: true
  state:
    description: Only V(absent).
    type: str
    choices: [absent]
    default: absent
seealso:
  - module: discovery.consul_dns.consul_acl_token
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: web3 is gone for good
  discovery.consul_dns.consul_catalog_node:
    name: web3
    state: absent
    token: "{{ consul_management_token }}"
  no_log: true
"""

RETURN = r"""
services:
  description: The IDs of the services the node had in the catalog (before the task).
  returned: always
  type: list
  elements: str
  sample: [web03]
"""

from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_module import ConsulModule


def main():
    module = ConsulModule(argument_spec=dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["absent"], default="absent"),
    ))
    name = module.params["name"]
    with module.errors():
        entry = module.client.catalog_node(name)
        services = sorted((entry or {}).get("Services") or {})
        if module.change(dict(node=name, services=services) if entry else None, None):
            module.apply(module.client.catalog_deregister_node, name)
    module.exit(services=services)


if __name__ == "__main__":
    main()
