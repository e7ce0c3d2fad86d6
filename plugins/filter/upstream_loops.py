# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: upstream_loops
short_description: The upstream resolvers through which a forwarder would ask itself or another forwarder
version_added: 0.5.0
description:
  - "Of dnsmasq C(server=) values (an IP address, optionally C(#port)), those that are loopback, unspecified
    (C(0.0.0.0), C(::)), an address of the host itself or of any host of the forwarders' group: a
    forwarding loop. Each as C(value (why))."
  - A host's addresses are its C(consul_advertise_address), C(consul_bind_address), and from its gathered
    facts every IPv4 and IPv6 address of its interfaces; a forwarder with none known is an error.
options:
  _input:
    description: The upstream resolvers.
    type: list
    elements: str
    required: true
  hostvars:
    description: The C(hostvars) magic variable.
    type: raw
    required: true
  forwarders:
    description: The forwarders' inventory host names.
    type: list
    elements: str
    required: true
  host:
    description: This forwarder's inventory host name.
    type: str
    required: true
  own_addresses:
    description: More addresses of this forwarder (the addresses dnsmasq listens on).
    type: list
    elements: str
    default: []
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: Refuse a forwarding loop
  ansible.builtin.assert:
    that: >-
      dnsmasq_upstream_servers | discovery.consul_dns.upstream_loops(hostvars, groups['dns_forwarders'],
      inventory_hostname, dnsmasq_listen_addresses) | length == 0
"""

RETURN = r"""
_value:
  description: The refused upstreams, each followed by why in parentheses; empty when none.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.discovery.consul_dns.plugins.module_utils.dns_names import forwarding_loops


def host_addresses(host_vars):
    """Every address a host is known by: its Consul addresses and its interfaces' (gathered facts)."""
    facts = host_vars.get("ansible_facts") or {}
    addresses = [host_vars.get("consul_advertise_address"), host_vars.get("consul_bind_address"),
                 (facts.get("default_ipv4") or {}).get("address"), (facts.get("default_ipv6") or {}).get("address")]
    addresses += list(facts.get("all_ipv4_addresses") or []) + list(facts.get("all_ipv6_addresses") or [])
    return [address for address in addresses if address]


def upstream_loops(upstreams, hostvars, forwarders, host, own_addresses=()):
    known = {}
    for name in [host] + [name for name in forwarders or [] if name != host]:
        addresses = host_addresses(hostvars[name])
        if not addresses:
            raise AnsibleFilterError("upstream_loops: no address known for forwarder %s: gather its facts or set "
                                     "consul_advertise_address" % name)
        for address in addresses:
            known.setdefault(address, "this forwarder" if name == host else "forwarder %s" % name)
    for address in own_addresses or []:
        known.setdefault(address, "this forwarder")
    return forwarding_loops(upstreams or [], known)


class FilterModule(object):
    def filters(self):
        return {"upstream_loops": upstream_loops}
