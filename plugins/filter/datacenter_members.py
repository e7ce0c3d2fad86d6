# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: datacenter_members
short_description: The hosts of a set that live in one Consul datacenter
version_added: 0.7.0
description:
  - Keeps the hosts whose C(consul_datacenter) (from the inventory, such as the group variables of a
    site) is the datacenter given, or, with O(exclude=true), those of every other datacenter.
  - The roles take a datacenter's servers with it (C(retry_join), C(bootstrap_expect), the
    forwarders' servers) and the other datacenters' servers (C(retry_join_wan)).
  - One datacenter needs nothing set; the hosts given then count in the datacenter asked for. Once
    one of them names its datacenter, every one must, and a host that does not fails the filter,
    naming it, rather than be guessed into a datacenter (a server joining the wrong one, a forwarder
    sending names to another site).
  - Without O(datacenter) (a host that names none), the hosts must all be in one datacenter.
  - A host whose gathered facts hold C(consul_datacenter) fails the filter, as facts come from the
    host, and root there would choose its own datacenter (facts win over inventory variables).
options:
  _input:
    description: Inventory host names, such as C(groups['consul_servers']).
    type: list
    elements: str
    required: true
  hostvars:
    description: The C(hostvars) magic variable.
    type: raw
    required: true
  datacenter:
    description: The datacenter, usually C(consul_datacenter) of the host asking.
    type: str
  exclude:
    description: The hosts of every other datacenter instead.
    type: bool
    default: false
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: The servers this server joins on the LAN, and those it joins over the WAN
  ansible.builtin.debug:
    msg:
      lan: "{{ groups['consul_servers'] | discovery.consul_dns.datacenter_members(hostvars, consul_datacenter) }}"
      wan: "{{ groups['consul_servers'] | discovery.consul_dns.datacenter_members(hostvars, consul_datacenter, exclude=true) }}"
"""

RETURN = r"""
_value:
  description: The hosts kept, in the order given.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError


def datacenter_members(hosts, hostvars, datacenter=None, exclude=False):
    hosts = list(hosts or [])
    named = {}
    for host in hosts:
        try:
            host_vars = hostvars[host]
        except KeyError:
            raise AnsibleFilterError("datacenter_members: %r is not an inventory host" % (host,))
        if "consul_datacenter" in (host_vars.get("ansible_facts") or {}):
            raise AnsibleFilterError(
                "datacenter_members: %s reports consul_datacenter as a fact: a host does not choose its own datacenter "
                "(remove the fact, from its facts.d or its fact cache)" % host)
        value = host_vars.get("consul_datacenter")
        if value not in (None, ""):
            named[host] = str(value)
    names = set(named.values()) | ({str(datacenter)} if datacenter not in (None, "") and named else set())
    unnamed = [host for host in hosts if host not in named]
    if named and unnamed:
        raise AnsibleFilterError(
            "datacenter_members: hosts name their datacenter (%s), and these name none: %s; set consul_datacenter "
            "for every host (group variables per site)" % (", ".join(sorted(set(named.values()))), ", ".join(unnamed)))
    if datacenter in (None, ""):
        if len(names) > 1:
            raise AnsibleFilterError(
                "datacenter_members: no datacenter given, and these hosts are in several (%s): say which datacenter "
                "the asking host is in (consul_datacenter, dnsmasq_consul_datacenter)" % ", ".join(sorted(names)))
        return [] if exclude else hosts
    datacenter = str(datacenter)
    return [host for host in hosts if (named.get(host, datacenter) == datacenter) != bool(exclude)]


class FilterModule(object):
    def filters(self):
        return {"datacenter_members": datacenter_members}
