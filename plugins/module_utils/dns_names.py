# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What may reach DNS or a configuration file: DNS names, DNS labels, IP addresses, networks.

One definition for the modules, the lookup and the roles (through the test plugins in
plugins/test/dns.py). Anything that fails these is refused, never "cleaned": a value that needs
cleaning came from someone who should not be writing it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible.module_utils.six import string_types, text_type

# RFC 1123: letters, digits and hyphens, not starting or ending with a hyphen, 1 to 63 characters.
# What Consul's DNS interface can serve as a service name, tag or node name.
_LABEL_RE = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)\Z")


def is_dns_label(value):
    """One RFC 1123 label ('web', 'web-01'), as a service name or tag must be to appear in DNS."""
    return isinstance(value, string_types) and bool(_LABEL_RE.match(value))


def is_dns_name(value):
    """A DNS name of RFC 1123 labels ('web.service.example.com', one trailing dot allowed)."""
    if not isinstance(value, string_types) or not value or len(value.rstrip(".")) > 253:
        return False
    name = value[:-1] if value.endswith(".") else value
    return all(is_dns_label(label) for label in name.split("."))


def _parses_as(parse, value):
    """Whether text, with nothing around it, parses with an ipaddress factory."""
    if not isinstance(value, string_types) or value != value.strip():
        return False
    try:
        parse(text_type(value))
    except ValueError:
        return False
    return True


def is_ip_address(value):
    """An IPv4 or IPv6 address as text ('10.1.88.84', '::1'), nothing around it."""
    return _parses_as(ipaddress.ip_address, value)


def is_ip_network(value):
    """A network in CIDR form ('10.1.88.0/24'), or a single address; host bits may not be set."""
    return _parses_as(ipaddress.ip_network, value)


def is_dns_server(value):
    """A resolver as dnsmasq's server= takes it: an IP address, optionally '#port' ('10.0.0.2#5353')."""
    if not isinstance(value, string_types):
        return False
    address, sep, port = value.partition("#")
    if sep and not (port.isdigit() and 0 < int(port) < 65536 and port == str(int(port))):
        return False
    return is_ip_address(address)


def is_host(value):
    """An IP address or a DNS name: what a Consul service address may be."""
    return is_ip_address(value) or is_dns_name(value)
