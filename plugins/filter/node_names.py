# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: node_names
short_description: The Consul node names a set of inventory hosts have
version_added: 0.6.0
description:
  - For each host, its C(consul_node_name) when the inventory gives one, else its short inventory name
    (the consul role's default).
  - The consul role keeps the agent tokens of these nodes, and deletes those of any other node
    (C(consul_acl_purge_gone_tokens)); every host of the inventory counts, whatever a C(--limit) says.
options:
  _input:
    description: Inventory host names, such as C(groups['all']).
    type: list
    elements: str
    required: true
  hostvars:
    description: The C(hostvars) magic variable.
    type: raw
    required: true
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: The node names of the whole inventory
  ansible.builtin.debug:
    msg: "{{ groups['all'] | discovery.consul_dns.node_names(hostvars) }}"
"""

RETURN = r"""
_value:
  description: One name per host, in the order given, each once.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError


def node_names(hosts, hostvars):
    names = []
    for host in hosts or []:
        try:
            host_vars = hostvars[host]
        except KeyError:
            raise AnsibleFilterError("node_names: %r is not an inventory host" % (host,))
        name = host_vars.get("consul_node_name") or str(host).split(".", maxsplit=1)[0]
        if name not in names:
            names.append(str(name))
    return names


class FilterModule(object):
    def filters(self):
        return {"node_names": node_names}
