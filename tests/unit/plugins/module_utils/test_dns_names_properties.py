"""dns_names against models written from the rules themselves (RFC 1123 labels, strict address text,
dnsmasq's server=, CIDR): on hostile text each validator says yes exactly when its model does, and
gives the model's canonical value. Soundness alone (test_addresses_properties.py) would not see a
validator that refuses good values, nor one whose pattern and canonical form drifted apart."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import ipaddress
import string

from hypothesis import example, given, settings, strategies as st

from ansible_collections.discovery.consul_dns.plugins.module_utils import dns_names

# no example database: these runs must leave nothing in the checkout
FAST = settings(max_examples=200, deadline=None, database=None)

LDH = string.ascii_letters + string.digits + "-"
HEX = "0123456789abcdefABCDEF"


# The models ---------------------------------------------------------------------------------------

def model_label(value):
    return (isinstance(value, str) and 1 <= len(value) <= 63 and all(c in LDH for c in value)
            and not value.startswith("-") and not value.endswith("-"))


def model_name(value):
    if not isinstance(value, str):
        return False
    name = value[:-1] if value.endswith(".") else value
    return 0 < len(name) <= 253 and all(model_label(label) for label in name.split("."))


def _model_ipv4_text(text):
    octets = text.split(".")
    return len(octets) == 4 and all(
        octet and all(c in string.digits for c in octet) and (octet == "0" or octet[0] != "0") and int(octet) <= 255
        for octet in octets)


def model_ip(value):
    """Canonical text of an address written only in ASCII hex digits, dots and colons, IPv4 octets
    without leading zeros (an embedded IPv4 too), or None."""
    if not isinstance(value, str) or not value or any(c not in HEX + ":." for c in value):
        return None
    if ":" not in value:
        if not _model_ipv4_text(value):
            return None
    elif "." in value and not _model_ipv4_text(value.rsplit(":", 1)[1]):
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _model_decimal(text, low, high):
    return (bool(text) and all(c in string.digits for c in text) and (text == "0" or text[0] != "0")
            and low <= int(text) <= high)


def model_dns_server(value):
    if not isinstance(value, str):
        return None
    address, sep, port = value.partition("#")
    address = model_ip(address)
    if address is None or sep and not _model_decimal(port, 1, 65535):
        return None
    return address + sep + port


def model_network(value, strict=True):
    if not isinstance(value, str):
        return None
    address, sep, prefix = value.partition("/")
    address = model_ip(address)
    if address is None:
        return None
    if not sep:
        return str(ipaddress.ip_network(address))
    if not _model_decimal(prefix, 0, 32 if "." in address and ":" not in address else 128):
        return None
    try:
        return str(ipaddress.ip_network("%s/%s" % (address, prefix), strict=strict))
    except ValueError:
        return None


def model_host(value):
    address = model_ip(value)
    if address is not None:
        return address
    if model_name(value) and not all(c in string.digits for c in value.rstrip(".").rsplit(".", 1)[-1]):
        return value
    return None


# Hostile text --------------------------------------------------------------------------------------

JUNK = st.sampled_from(["\n", "\r", "\t", " ", "\x00", "\x0b", "\x7f", u"\u00a0", u"\u2028", u"\u0661", u"\uff11",
                        u"\u00e9", u"\u212a", "%", "%eth0", "#", "#53", "/", "/24", ".", "..", ":", "-", "_", "*",
                        "0", "00", "\n6.6.6.6 www.bank.example", "\naddress=/x/6.6.6.6"])


def injected(base):
    """base with junk inserted at a drawn position (start, middle or end)."""
    return st.tuples(base, JUNK, st.integers(min_value=0, max_value=300)).map(
        lambda t: t[0][:t[2] % (len(t[0]) + 1)] + t[1] + t[0][t[2] % (len(t[0]) + 1):])


LABELS = st.text(LDH, min_size=1, max_size=66)
NAMES = st.one_of(
    st.lists(LABELS, min_size=1, max_size=6).map(".".join),
    st.lists(st.text(LDH, min_size=40, max_size=63), min_size=3, max_size=6).map(".".join),   # near 253
    st.tuples(st.lists(LABELS, min_size=1, max_size=4).map(".".join), st.sampled_from(["", ".", ".."])).map("".join),
    # a last label of digits, which resolvers read as part of an address
    st.tuples(st.lists(LABELS, max_size=3).map(lambda labels: "".join(label + "." for label in labels)),
              st.text("0123456789", min_size=1, max_size=4), st.sampled_from(["", "."])).map("".join))
ADDRESSES = st.one_of(st.ip_addresses().map(str), st.ip_addresses(v=6).map(lambda a: a.exploded),
                      st.ip_addresses(v=6).map(lambda a: str(a).upper()),
                      st.ip_addresses(v=4).map(lambda a: "::ffff:" + str(a)),
                      # the longest texts (45 characters): six full hextets and an IPv4 address
                      st.tuples(st.ip_addresses(v=6), st.ip_addresses(v=4)).map(
                          lambda t: ":".join(t[0].exploded.split(":")[:6] + [str(t[1])])))
OCTETS = st.lists(st.text("0123456789", min_size=1, max_size=4), min_size=3, max_size=5).map(".".join)
IPV6ISH = st.text(HEX + ":.", min_size=1, max_size=50)
PORTS = st.one_of(st.integers(min_value=-1, max_value=70000).map(str), st.text("0123456789", max_size=6),
                  st.sampled_from([u"\u0665\u0663", "53 ", "+53", "0x35", "5_3"]))
PREFIXES = st.one_of(st.integers(min_value=-1, max_value=130).map(str), st.text("0123456789", max_size=4),
                     st.sampled_from([u"\u0661\u0666", "24 ", "+24", "2_4", "255.255.255.0"]))

TEXT = st.one_of(
    st.text(max_size=30),                                             # every Unicode category
    st.text(LDH + "._ \n#%/:", max_size=30),
    LABELS, NAMES, ADDRESSES, OCTETS, IPV6ISH,
    st.tuples(st.ip_addresses(v=6).map(str), st.just("%"), st.text(max_size=20)).map("".join),   # zone IDs
    injected(LABELS), injected(NAMES), injected(ADDRESSES), injected(OCTETS),
    st.tuples(ADDRESSES, st.just("#"), PORTS).map("".join), st.tuples(ADDRESSES, st.just("/"), PREFIXES).map("".join),
    injected(st.tuples(ADDRESSES, st.just("#"), PORTS).map("".join)),
    injected(st.tuples(ADDRESSES, st.just("/"), PREFIXES).map("".join)),
)
ANYTHING = st.one_of(TEXT, st.none(), st.integers(), st.binary(max_size=10), st.lists(LABELS, max_size=2))


# The properties ------------------------------------------------------------------------------------

@FAST
@given(ANYTHING)
@example("web\n")
@example("a" * 64)
def test_a_label_is_taken_exactly_when_it_is_an_rfc_1123_label(value):
    assert dns_names.is_dns_label(value) == model_label(value)


@FAST
@given(ANYTHING)
@example("web.example.\n")
@example("web.example..")
@example(".".join(["a" * 63] * 4))
def test_a_name_is_taken_exactly_when_its_labels_are_and_it_fits_in_253_characters(value):
    assert dns_names.is_dns_name(value) == model_name(value)


@FAST
@given(ANYTHING)
@example("fe80::1%x\n6.6.6.6 www.bank.example")
@example("::ffff:010.1.1.1")
@example("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255")
def test_an_address_is_taken_exactly_when_its_text_is_strict_and_comes_back_canonical(value):
    assert dns_names.parse_ip_address(value) == model_ip(value)
    assert dns_names.is_ip_address(value) == (model_ip(value) is not None)


@FAST
@given(ANYTHING)
@example("10.0.0.2#053")
@example("10.0.0.2#0")
def test_a_resolver_is_an_address_and_at_most_a_port_of_1_to_65535_without_leading_zeros(value):
    assert dns_names.parse_dns_server(value) == model_dns_server(value)
    assert dns_names.is_dns_server(value) == (model_dns_server(value) is not None)


@FAST
@given(ANYTHING)
@example("10.0.0.0/024")
@example(u"10.0.0.0/\u0661\u0666")
def test_a_network_is_an_address_and_at_most_a_decimal_prefix_host_bits_only_when_asked(value):
    assert dns_names.parse_ip_network(value) == model_network(value)
    assert dns_names.parse_ip_network(value, strict=False) == model_network(value, strict=False)
    assert dns_names.is_ip_network(value) == (model_network(value) is not None)


@FAST
@given(ANYTHING)
@example("010.1.1.1")
@example("10.0.0.web")
@example("web.10.")
def test_a_host_is_an_address_or_a_name_whose_last_label_is_not_all_digits(value):
    assert dns_names.parse_host(value) == model_host(value)
    assert dns_names.is_host(value) == (model_host(value) is not None)
