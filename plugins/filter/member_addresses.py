# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: member_addresses
short_description: The addresses other Consul members and forwarders reach a set of hosts at
version_added: 0.1.0
description:
  - For each host, its C(consul_advertise_address), else its C(consul_bind_address), else the
    address of its default IPv4 interface from gathered facts.
  - Used by the roles for C(retry_join) and for the dnsmasq C(server=) lines, so both agree.
  - Each address in canonical form (C(fd00::1) for C(FD00::0001)); an address that is not strict IP
    address text (an IPv6 zone ID, IPv4 octets with leading zeros, anything around it) fails the
    filter naming the host and where the address came from.
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
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: Where the Consul servers are
  ansible.builtin.debug:
    msg: "{{ groups['consul_servers'] | discovery.consul_dns.member_addresses(hostvars) }}"
"""

RETURN = r"""
_value:
  description: One address per host, in the order given.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.discovery.consul_dns.plugins.module_utils.dns_names import parse_ip_address


def member_addresses(hosts, hostvars):
    addresses = []
    for host in hosts:
        host_vars = hostvars[host]
        source = "consul_advertise_address" if host_vars.get("consul_advertise_address") else "consul_bind_address"
        address = host_vars.get(source)
        if not address:
            source = "ansible_facts.default_ipv4.address"
            address = ((host_vars.get("ansible_facts") or {}).get("default_ipv4") or {}).get("address")
        if not address:
            raise AnsibleFilterError(
                "member_addresses: no address for %s: set consul_advertise_address or gather its facts" % host)
        # these land in retry_join, dnsmasq's server= lines and resolv.conf: a near address is a
        # mistake or an injection, never something to pass on
        canonical = parse_ip_address(address)
        if canonical is None:
            raise AnsibleFilterError("member_addresses: %s of %s is not an IP address: %r" % (source, host, address))
        addresses.append(canonical)
    return addresses


class FilterModule(object):
    def filters(self):
        return {"member_addresses": member_addresses}
