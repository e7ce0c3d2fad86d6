# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: local_networks
short_description: The networks a host is directly attached to, plus loopback, from its facts
version_added: 0.2.0
description:
  - "The subnets of every interface's IPv4 and IPv6 addresses (link-local IPv6 left out), plus
    C(127.0.0.0/8) and C(::1/128), in CIDR form."
  - What dnsmasq's C(local-service) option allows, as a list; the dnsmasq role's default for
    C(dnsmasq_allowed_networks).
  - Fails naming the interface when an address or netmask in the facts is not strict IP address
    text (an IPv6 zone ID, IPv4 octets with leading zeros, anything around it).
options:
  _input:
    description: A host's gathered facts (C(ansible_facts)), at least the C(network) subset.
    type: dict
    required: true
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: Who may ask this forwarder
  ansible.builtin.debug:
    msg: "{{ ansible_facts | discovery.consul_dns.local_networks }}"
"""

RETURN = r"""
_value:
  description: Networks in CIDR form, IPv4 first, each once, in a stable order.
  type: list
  elements: str
  sample: ["10.89.50.0/24", "127.0.0.0/8", "::1/128"]
"""

import ipaddress

from ansible.errors import AnsibleFilterError
from ansible.module_utils.six import text_type

from ansible_collections.discovery.consul_dns.plugins.module_utils.dns_names import parse_ip_address, parse_ip_network


def _strict(value, what):
    """The canonical address text of a fact, or ValueError: the networks become dnsmasq's allowed
    clients, and ipaddress reads more into near addresses (zone IDs, leading zeros) than they say."""
    address = parse_ip_address(value)
    if address is None:
        raise ValueError("%s %r is not an IP address" % (what, value))
    return address


def _interface_networks(interface):
    ipv4 = [interface.get("ipv4")] + list(interface.get("ipv4_secondaries") or [])
    for entry in ipv4:
        if entry and entry.get("address") and entry.get("netmask"):
            yield ipaddress.ip_interface(u"%s/%s" % (_strict(entry["address"], "address"),
                                                     _strict(entry["netmask"], "netmask"))).network
    for entry in interface.get("ipv6") or []:
        if entry.get("address") and entry.get("prefix") and entry.get("scope") != "link":
            network = parse_ip_network(u"%s/%s" % (entry["address"], entry["prefix"]), strict=False)
            if network is None:
                raise ValueError("address %r with prefix %r is not a network" % (entry["address"], entry["prefix"]))
            yield ipaddress.ip_network(network)


def local_networks(facts):
    if not isinstance(facts, dict) or "interfaces" not in facts:
        raise AnsibleFilterError("local_networks: give a host's gathered facts (ansible_facts, network subset)")
    networks = set([ipaddress.ip_network(u"127.0.0.0/8"), ipaddress.ip_network(u"::1/128")])
    for name in facts["interfaces"]:
        interface = facts.get(text_type(name).replace("-", "_")) or {}
        try:
            networks.update(_interface_networks(interface))
        except ValueError as exc:
            raise AnsibleFilterError("local_networks: interface %s: %s" % (name, exc))
    return [text_type(network) for network in sorted(networks, key=lambda n: (n.version, n))]


class FilterModule(object):
    def filters(self):
        return {"local_networks": local_networks}
