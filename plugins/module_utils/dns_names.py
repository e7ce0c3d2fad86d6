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
_LABEL_RE = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


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


# An absolute path whose every character is inert in a systemd unit, a shell script, dnsmasq's and
# Consul's configuration: letters, digits and "._-+@" only; components separated by single slashes.
_PATH_COMPONENT_RE = re.compile(r"^[A-Za-z0-9._+@-]{1,255}$")
PATH_MAX = 4095


def is_safe_path(value):
    """An absolute path of plain components ('/etc/dnsmasq.d/x.conf'): no whitespace, control character,
    quote, '%', '$', backslash or other punctuation, no empty, '.' or '..' component, at most 4095
    characters. Refused, never cleaned: such a path written into a unit or a script could add to it."""
    if not isinstance(value, string_types) or not value.startswith("/") or len(value) > PATH_MAX:
        return False
    components = value[1:].split("/")
    return all(_PATH_COMPONENT_RE.match(part) and part not in (".", "..") for part in components)


def is_host(value):
    """An IP address or a DNS name: what a Consul service address may be."""
    return is_ip_address(value) or is_dns_name(value)


def forwarding_loops(upstreams, known):
    """The upstreams (dnsmasq server= values, 'address[#port]') through which a forwarder would ask
    itself or another forwarder: loopback, unspecified (0.0.0.0, ::) or an address of ``known``
    ({address: whose, e.g. 'forwarder dns1'}), IPv4-mapped IPv6 forms included. Each as
    'value (why)'. A value that is no address is left to is_dns_server."""
    by_address = {}
    for address, whose in known.items():
        try:
            by_address.setdefault(_plain(ipaddress.ip_address(text_type(address).split("%")[0])), whose)
        except ValueError:
            continue
    refused = []
    for value in upstreams:
        if not isinstance(value, string_types):
            continue
        try:
            address = _plain(ipaddress.ip_address(text_type(value.partition("#")[0])))
        except ValueError:
            continue
        if address.is_loopback or address.is_unspecified:
            refused.append("%s (%s)" % (value, "loopback" if address.is_loopback else "unspecified: this host"))
        elif address in by_address:
            refused.append("%s (%s)" % (value, by_address[address]))
    return refused


def _plain(address):
    """An IPv4-mapped IPv6 address (::ffff:10.0.0.1) as the IPv4 address it is."""
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped if mapped is not None else address
