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
  - A host whose gathered facts hold C(consul_node_name) fails the filter, as root on the host would
    choose its own node name (facts win over inventory variables), and with it another node's token.
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
  shared:
    description:
      - Only the names two or more hosts have (their tokens, certificates and catalog entries would be
        one); the consul role refuses a host whose node name is among them.
    type: bool
    default: false
    version_added: 0.7.0
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


def node_names(hosts, hostvars, shared=False):
    names = {}
    twice = []
    for host in hosts or []:
        try:
            host_vars = hostvars[host]
        except KeyError:
            raise AnsibleFilterError("node_names: %r is not an inventory host" % (host,))
        if "consul_node_name" in (host_vars.get("ansible_facts") or {}):
            raise AnsibleFilterError("node_names: %s reports consul_node_name as a fact: a host does not choose its own "
                                     "node name (remove the fact, from its facts.d or its fact cache)" % host)
        name = str(host_vars.get("consul_node_name") or str(host).split(".", maxsplit=1)[0])
        if name in names and names[name] != host and name not in twice:
            twice.append(name)
        names.setdefault(name, host)
    return twice if shared else list(names)


class FilterModule(object):
    def filters(self):
        return {"node_names": node_names}
