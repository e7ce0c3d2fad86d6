#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: consul_acl_policy
short_description: Create, update or delete a Consul ACL policy
version_added: 0.1.0
description:
  - Manages an ACL policy by name. Needs a token with C(acl = "write") (the management token).
extends_documentation_fragment:
  - discovery.consul_dns.connection
  - discovery.consul_dns.attributes
options:
  name:
    description: Name of the policy.
    type: str
    required: true
  rules:
    description: The policy's rules, in HCL. Leading and trailing white space is not significant.
    type: str
    default: ""
  description:
    description: Description of the policy.
    type: str
    default: ""
  datacenters:
    description: Datacenters the policy applies in; empty means all.
    type: list
    elements: str
    default: []
  state:
    description: Whether the policy should exist.
    type: str
    choices: [present, absent]
    default: present
seealso:
  - module: discovery.consul_dns.consul_acl_token
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: Read access for DNS
  discovery.consul_dns.consul_acl_policy:
    name: dns-read
    description: What Consul's DNS interface needs under default deny
    rules: |
      node_prefix "" { policy = "read" }
      service_prefix "" { policy = "read" }
      query_prefix "" { policy = "read" }
    token: "{{ consul_management_token }}"
"""

RETURN = r"""
policy:
  description: The policy as Consul holds it after the task.
  returned: when O(state=present)
  type: dict
  sample: {"ID": "2f40aa76-19a0-8495-5a73-0e7a1031d0b9", "Name": "dns-read", "Description": "",
           "Rules": "node_prefix \"\" { policy = \"read\" }", "Datacenters": []}
"""

from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_module import ConsulModule


def comparable(policy):
    return dict(Name=policy["Name"], Description=policy.get("Description") or "",
                Rules=(policy.get("Rules") or "").strip(), Datacenters=sorted(policy.get("Datacenters") or []))


def main():
    module = ConsulModule(argument_spec=dict(
        name=dict(type="str", required=True),
        rules=dict(type="str", default=""),
        description=dict(type="str", default=""),
        datacenters=dict(type="list", elements="str", default=[]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    ))
    params = module.params
    after = comparable(dict(Name=params["name"], Description=params["description"], Rules=params["rules"],
                            Datacenters=params["datacenters"])) if params["state"] == "present" else None
    with module.errors():
        # by listing: Consul 1.8 answers 403, not 404, for a policy name it does not know
        listed = [p for p in module.client.acl_list("policy") if p["Name"] == params["name"]]
        current = module.client.acl_read("policy", listed[0]["ID"]) if listed else None
        policy = current
        if module.change(comparable(current) if current else None, after):
            if after:
                policy = module.apply(module.client.acl_write, "policy", after, current["ID"] if current else None)
            else:
                module.apply(module.client.acl_delete, "policy", current["ID"])
    if after:
        module.result["policy"] = policy or dict(after)
    module.exit()


if __name__ == "__main__":
    main()
