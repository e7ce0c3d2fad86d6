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
# What Consul's DNS interface can serve as a service name, tag or node name. \Z, not $: $ also
# matches before a final line break, and 'web\n' would pass.
_LABEL_RE = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)\Z")

# parse_ip_address and its three patterns are copied verbatim into
# roles/dnsmasq/files/consul-dns-alias-watch.py, which runs on the forwarders without the collection;
# tests/unit/roles/test_alias_watch.py fails when the two differ. Change both or neither.
#
# ipaddress alone is not a gate: it takes IPv6 zone IDs holding anything ('fe80::1%x\n6.6.6.6 www'),
# and Pythons before 3.9.5 take IPv4 octets with leading zeros, which other parsers read as octal.
# So the text must first be ASCII digits, hex digits, dots and colons in one of these shapes (explicit
# classes: \d would take Unicode digits), and no longer than the longest address text
# ('ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255').
_IPV4_TEXT = r"(?:0|[1-9][0-9]{0,2})(?:\.(?:0|[1-9][0-9]{0,2})){3}"
_IP_ADDRESS_TEXT_RE = re.compile(
    r"(?:%s|[0-9A-Fa-f:]*:[0-9A-Fa-f:]*(?:(?<=:)%s)?)\Z" % (_IPV4_TEXT, _IPV4_TEXT))
_IP_ADDRESS_MAX_LENGTH = 45


def parse_ip_address(value):
    """The canonical text of an IPv4 or IPv6 address ('10.1.88.84', '::1'), or None for anything else."""
    if not isinstance(value, str) or len(value) > _IP_ADDRESS_MAX_LENGTH or not _IP_ADDRESS_TEXT_RE.match(value):
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


_PREFIX_LENGTH_RE = re.compile(r"(?:0|[1-9][0-9]{0,2})\Z")
_PORT_RE = re.compile(r"[1-9][0-9]{0,4}\Z")
_DIGITS_RE = re.compile(r"[0-9]+\Z")


def is_dns_label(value):
    """One RFC 1123 label ('web', 'web-01'), as a service name or tag must be to appear in DNS."""
    return isinstance(value, string_types) and bool(_LABEL_RE.match(value))


def is_dns_name(value):
    """A DNS name of RFC 1123 labels ('web.service.example.com', one trailing dot allowed)."""
    if not isinstance(value, string_types) or not value or len(value.rstrip(".")) > 253:
        return False
    name = value[:-1] if value.endswith(".") else value
    return all(is_dns_label(label) for label in name.split("."))


def is_ip_address(value):
    """An IPv4 or IPv6 address as text ('10.1.88.84', '::1'), nothing around it (see parse_ip_address)."""
    return parse_ip_address(value) is not None


def parse_ip_network(value, strict=True):
    """The canonical CIDR text of a network ('10.1.88.0/24'; a single address gets its full prefix),
    or None. With strict=False, host bits may be set and the network holding the address is returned."""
    if not isinstance(value, string_types):
        return None
    address, sep, prefix = value.partition("/")
    address = parse_ip_address(address)
    if address is None or (sep and not _PREFIX_LENGTH_RE.match(prefix)):
        return None
    try:
        return text_type(ipaddress.ip_network(u"%s/%s" % (address, prefix) if sep else address, strict=strict))
    except ValueError:
        return None


def is_ip_network(value):
    """A network in CIDR form ('10.1.88.0/24'), or a single address; host bits may not be set."""
    return parse_ip_network(value) is not None


def parse_dns_server(value):
    """The canonical text of a resolver as dnsmasq's server= takes it, an IP address optionally
    with '#port' ('10.0.0.2#5353'), or None."""
    if not isinstance(value, string_types):
        return None
    address, sep, port = value.partition("#")
    address = parse_ip_address(address)
    if address is None:
        return None
    if not sep:
        return address
    if not _PORT_RE.match(port) or int(port) > 65535:
        return None
    return u"%s#%s" % (address, port)


def is_dns_server(value):
    """A resolver as dnsmasq's server= takes it: an IP address, optionally '#port' ('10.0.0.2#5353')."""
    return parse_dns_server(value) is not None


def parse_host(value):
    """What a Consul service or node address may be: the canonical text of an IP address, or a DNS
    name as given; None for anything else. A name whose last label is all digits ('010.1.1.1') is
    taken for an address and must then be one: resolvers and Consul would read it as one."""
    address = parse_ip_address(value)
    if address is not None:
        return address
    if is_dns_name(value) and not _DIGITS_RE.match(value.rstrip(".").rsplit(".", 1)[-1]):
        return value
    return None


# An absolute path whose every character is inert in a systemd unit, a shell script, dnsmasq's and
# Consul's configuration: letters, digits and "._-+@" only; components separated by single slashes.
_PATH_COMPONENT_RE = re.compile(r"[A-Za-z0-9._+@-]{1,255}\Z")
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
    return parse_host(value) is not None


def forwarding_loops(upstreams, known):
    """The upstreams (dnsmasq server= values, 'address[#port]') through which a forwarder would ask
    itself or another forwarder: loopback, unspecified (0.0.0.0, ::) or an address of ``known``
    ({address: whose, e.g. 'forwarder dns1'}), IPv4-mapped IPv6 forms included. Each as
    'value (why)'. A value that is no address is left to is_dns_server."""
    by_address = {}
    for address, whose in known.items():
        # facts name a link-local address with its interface ('fe80::1%eth0'): the address is what counts
        canonical = parse_ip_address(text_type(address).split("%")[0]) if isinstance(address, string_types) else None
        if canonical is not None:
            by_address.setdefault(_plain(ipaddress.ip_address(canonical)), whose)
    refused = []
    for value in upstreams:
        if not isinstance(value, string_types):
            continue
        canonical = parse_ip_address(value.partition("#")[0])
        if canonical is None:
            continue
        address = _plain(ipaddress.ip_address(canonical))
        if address.is_loopback or address.is_unspecified:
            refused.append("%s (%s)" % (value, "loopback" if address.is_loopback else "unspecified: this host"))
        elif address in by_address:
            refused.append("%s (%s)" % (value, by_address[address]))
    return refused


def _plain(address):
    """An IPv4-mapped IPv6 address (::ffff:10.0.0.1) as the IPv4 address it is."""
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped if mapped is not None else address
