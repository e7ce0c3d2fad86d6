"""Hostile text at every entry point that takes or emits an address: nothing unsafe comes out.

Safe means: strict ASCII address text (no whitespace, no control character, no IPv6 zone ID), equal
to its own canonical re-parse, and names that never end in a line break. Each property runs a
hundred examples, so the unit suite stays fast.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import ipaddress
import re

import pytest
from ansible.errors import AnsibleFilterError
from hypothesis import example, given, settings, strategies as st
from harness import alias_watch_handler

from ansible_collections.discovery.consul_dns.plugins.filter.dnsmasq import reverse_zone
from ansible_collections.discovery.consul_dns.plugins.filter.local_networks import local_networks
from ansible_collections.discovery.consul_dns.plugins.filter.member_addresses import member_addresses
from ansible_collections.discovery.consul_dns.plugins.inventory import consul as inventory
from ansible_collections.discovery.consul_dns.plugins.lookup import consul_backends as lookup
from ansible_collections.discovery.consul_dns.plugins.module_utils import dns_names
from ansible_collections.discovery.consul_dns.plugins.module_utils.durations import DefinitionError
from ansible_collections.discovery.consul_dns.plugins.module_utils.service_definitions import normalize_service
from ansible_collections.discovery.consul_dns.plugins.modules.consul_maintenance import checked_dns_wait
from ansible_collections.discovery.consul_dns.plugins.modules.consul_services import desired_registrations
from ansible_collections.discovery.consul_dns.plugins.test.dns import TestModule as DnsTests

watch = alias_watch_handler("alias_watch_properties")

# no example database: these runs must leave nothing in the checkout
FAST = settings(max_examples=100, deadline=None, database=None)

ZONE_PAYLOAD = "fe80::1%x\n6.6.6.6 www.bank.example"
EXPLICIT = [ZONE_PAYLOAD, "10.0.0.1\n", "web\n", "010.1.1.1", "fe80::1%eth0", u"\u0661\u0660.0.0.1",
            u"\uff11\uff10.0.0.1", "10.0.0.1\x00", "::ffff:010.1.1.1", "1." * 5000 + "1"]
JUNK = st.sampled_from(["\n", "\r\n", "\r", " ", "\t", "\x00", "\x0b", "\x1b", "%", "%x", "%eth0", "%x\n6.6.6.6 www.bank.example",
                        "\n6.6.6.6 www.bank.example", u"\u0661", u"\uff11", u"\u00a0", u"\u2028", "0", ".0", ":", "#53", "/24"])


def leading_zeros(address):
    return ".".join("0" + octet for octet in str(address).split("."))


VALID = st.ip_addresses().map(str)
NEAR = st.one_of(
    st.tuples(VALID, JUNK).map("".join),                         # junk appended
    st.tuples(JUNK, VALID).map("".join),                         # junk prepended
    st.tuples(VALID, JUNK, st.text(max_size=20)).map("".join),   # junk in the middle of more
    st.ip_addresses(v=4).map(leading_zeros),
    st.ip_addresses(v=6).map(lambda a: "%s%%%s" % (a, "x\n6.6.6.6 www.bank.example")),
)
HOSTILE = st.one_of(st.text(), st.text(alphabet="0123456789abcdefABCDEF:.%/# \n\t\x00", max_size=60), NEAR,
                    st.text(min_size=46, max_size=3000, alphabet="0123456789.:"))
ANYTHING = st.one_of(HOSTILE, VALID, st.none(), st.integers(), st.binary(max_size=20))

_UNSAFE = re.compile(r"[^0-9A-Za-z.:#/]")


def assert_safe_address(value):
    """Strict address text in canonical form (the address part of address#port or address/prefix)."""
    assert isinstance(value, str) and not _UNSAFE.search(value), repr(value)
    address = re.split("[#/]", value)[0]
    assert dns_names.parse_ip_address(address) == address == str(ipaddress.ip_address(address))


def assert_safe_name(value):
    assert isinstance(value, str) and re.match(r"[A-Za-z0-9.-]+\Z", value) and not value.endswith("\n"), repr(value)


@FAST
@given(ANYTHING)
@example(ZONE_PAYLOAD)
def test_parsed_addresses_are_canonical_and_safe(value):
    parsed = dns_names.parse_ip_address(value)
    if parsed is not None:
        assert_safe_address(parsed)
        assert parsed == str(ipaddress.ip_address(value))
    assert dns_names.is_ip_address(value) == (parsed is not None)


@FAST
@given(ANYTHING)
def test_the_alias_watch_handlers_copy_answers_the_same(value):
    assert watch.parse_ip_address(value) == dns_names.parse_ip_address(value)


@FAST
@given(VALID)
def test_every_address_is_taken_and_comes_back_canonical(address):
    assert dns_names.parse_ip_address(address) == address
    assert dns_names.parse_ip_address(address.upper()) == address


@FAST
@given(NEAR)
def test_near_addresses_are_refused(value):
    # junk that leaves a valid address ('0' appended to '::') is no junk: the text must then be
    # nothing but an address
    parsed = dns_names.parse_ip_address(value)
    assert parsed is None or not _UNSAFE.search(value) and parsed == str(ipaddress.ip_address(value))


@pytest.mark.parametrize("value", EXPLICIT)
def test_the_known_payloads_are_refused_everywhere(value):
    assert dns_names.parse_ip_address(value) is None and dns_names.parse_host(value) is None
    assert dns_names.parse_dns_server(value) is None and dns_names.parse_ip_network(value) is None
    tests = DnsTests().tests()
    assert not any(tests[name](value) for name in ("ip_address", "ip_network", "dns_server"))
    assert watch.parse_ip_address(value) is None
    # '010.1.1.1' is a well-formed name, harmless where names go; it is no host (see parse_host)
    assert not any(tests[name](value) for name in ("dns_label", "dns_name")) or value == "010.1.1.1"


@FAST
@given(ANYTHING)
@example("web\n")
@example("web.example.\n")
def test_names_never_end_in_a_line_break(value):
    for check in (dns_names.is_dns_label, dns_names.is_dns_name):
        if check(value):
            assert_safe_name(value)


@FAST
@given(st.one_of(ANYTHING, st.tuples(
    VALID, st.sampled_from(["#", "#53", "#053", "#65536", "#5353\n", u"#\u0665\u0663"])).map("".join)))
def test_dns_servers_networks_and_hosts_come_out_safe(value):
    for parse in (dns_names.parse_dns_server, dns_names.parse_ip_network,
                  lambda v: dns_names.parse_ip_network(v, strict=False)):
        parsed = parse(value)
        if parsed is not None:
            assert_safe_address(parsed)
            assert parse(parsed) == parsed
    host = dns_names.parse_host(value)
    if host is not None:
        if dns_names.parse_ip_address(host) is None:
            assert_safe_name(host)
        else:
            assert_safe_address(host)


# The entry points -------------------------------------------------------------------------------

def health_entry(address):
    return {"Node": {"Node": "n1", "Address": "10.0.0.1", "Datacenter": "dc1"},
            "Service": {"ID": "web-1", "Service": "web", "Address": address, "Port": 80}}


@FAST
@given(st.one_of(HOSTILE, VALID))
@example(ZONE_PAYLOAD)
def test_the_lookup_returns_only_canonical_addresses(address):
    entries = [health_entry(address)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lookup.display, "warning", lambda message: None)
        backends = [lookup.backend_from_health_entry(e) for e in entries if lookup.has_ip_address(e, "web")]
        dns_backends = [b for b in [dict(node=None, address=address)] if lookup.canonical_address(b, "web")]
    for backend in backends + dns_backends:
        assert_safe_address(backend["address"])
        assert_safe_address(lookup.LookupModule._formatted(dict(backend, port=80), "address"))


@FAST
@given(st.one_of(HOSTILE, VALID), st.one_of(HOSTILE, VALID))
@example(ZONE_PAYLOAD, ZONE_PAYLOAD)
def test_the_inventory_never_takes_a_near_address(node_address, service_address):
    catalog = dict(nodes=[dict(Node="n1", Address=node_address, Datacenter="dc1")],
                   instances=dict(web=[dict(Node=dict(Node="n1"), Service=dict(ID="web-1", Address=service_address,
                                                                               Port=80, Tags=[]), Checks=[])]))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(inventory.display, "warning", lambda message: None)
        hosts = inventory.catalog_hosts(catalog)
    for host in hosts.values():
        for address in [host["ansible_host"]] + [i["address"] for i in host["consul_catalog"]["services"].get("web", [])]:
            if dns_names.parse_ip_address(address) is None:
                assert_safe_name(address)
            else:
                assert_safe_address(address)


@FAST
@given(st.one_of(HOSTILE, VALID))
@example(ZONE_PAYLOAD)
def test_the_service_modules_register_only_safe_addresses(address):
    for register in (lambda: normalize_service(dict(name="web", address=address)),
                     lambda: list(desired_registrations([dict(name="web", address=address)], "default").values())[0]):
        try:
            registered = register()["Address"]
        except DefinitionError as exc:
            assert "address" in str(exc)
            continue
        if registered and dns_names.parse_ip_address(registered) is None:
            assert_safe_name(registered)
        elif registered:
            assert_safe_address(registered)


@FAST
@given(st.one_of(HOSTILE, VALID), st.one_of(HOSTILE, VALID))
@example(ZONE_PAYLOAD, ZONE_PAYLOAD)
def test_the_maintenance_waits_take_only_safe_resolvers_and_addresses(resolver, address):
    try:
        resolvers, parsed = checked_dns_wait(dict(resolvers=[resolver], address=address))
    except ValueError as exc:
        assert str(exc).startswith("wait_for_dns.")
        return
    for value in resolvers + [parsed] if parsed is not None else resolvers:
        assert_safe_address(value)


@FAST
@given(st.one_of(HOSTILE, VALID))
@example(ZONE_PAYLOAD)
def test_the_filters_emit_only_safe_addresses_or_fail(address):
    for variable in ("consul_advertise_address", "consul_bind_address"):
        try:
            emitted = member_addresses(["a"], {"a": {variable: address}})
        except AnsibleFilterError:
            continue
        assert_safe_address(emitted[0])
    facts = {"interfaces": ["eth0"], "eth0": {"ipv4": {"address": address, "netmask": "255.255.255.0"},
                                              "ipv6": [{"address": address, "prefix": "64", "scope": "global"}]}}
    try:
        networks = local_networks(facts)
    except AnsibleFilterError:
        networks = []
    for network in networks:
        assert_safe_address(network)
    try:
        zone = reverse_zone(address + "/24")
    except AnsibleFilterError:
        return
    assert_safe_name(zone)


@FAST
@given(st.lists(st.one_of(HOSTILE, VALID), max_size=4))
@example([ZONE_PAYLOAD, "10.0.0.2"])
def test_the_alias_watch_handler_writes_only_safe_lines(addresses):
    entries = [{"Node": {"Node": "n1", "Address": "10.0.0.1"}, "Service": {"ID": "w", "Address": a}} for a in addresses]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(watch, "log", lambda message: None)
        published = watch.addresses_of(entries)
    for address in published:
        assert_safe_address(address)


# Completeness: no entry point drops what it should keep ------------------------------------------

SPELLED = st.one_of(VALID, st.ip_addresses(v=6).map(lambda a: a.exploded.upper()))
MAYBE = st.one_of(SPELLED, HOSTILE, st.just(""), st.none())
LABEL = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=10).filter(dns_names.is_dns_label)
NODE_NAMES = st.one_of(st.lists(LABEL, min_size=1, max_size=3).map(".".join), HOSTILE)


@FAST
@given(st.lists(st.tuples(MAYBE, MAYBE, st.integers(0, 65535)), max_size=4))
@example([(ZONE_PAYLOAD, "10.0.0.1", 80), ("", "FD00::0001", 443)])
def test_the_lookup_keeps_each_instance_with_an_address_canonical_and_writes_it_back_readable(instances):
    entries = [{"Node": {"Node": "n%d" % i, "Address": node, "Datacenter": "dc1"},
                "Service": {"ID": "web-%d" % i, "Service": "web", "Address": service, "Port": port}}
               for i, (service, node, port) in enumerate(instances)]
    warnings = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lookup.display, "warning", warnings.append)
        backends = [lookup.backend_from_health_entry(e) for e in entries if lookup.has_ip_address(e, "web")]
    expected = [dns_names.parse_ip_address(service or node) for service, node, _port in instances]
    assert [b["address"] for b in backends] == [a for a in expected if a is not None]
    assert len(warnings) == expected.count(None)
    for backend in backends:
        text = lookup.LookupModule._formatted(backend, "address_port")
        # host:port, [v6]:port; the host alone for an instance registered without a port (Consul's 0)
        host, port = text.rpartition(":")[::2] if backend["port"] is not None else (text, None)
        address = host[1:-1] if host.startswith("[") and host.endswith("]") else host
        assert dns_names.parse_ip_address(address) == backend["address"]
        assert port == (None if backend["port"] is None else str(backend["port"]))
        assert (host != address) == (":" in address)


@FAST
@given(st.lists(MAYBE, max_size=4))
def test_the_lookup_over_dns_keeps_each_answer_that_is_an_address_in_canonical_form(addresses):
    backends = [dict(node="n%d" % i, address=address) for i, address in enumerate(addresses)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lookup.display, "warning", lambda message: None)
        kept = [b for b in backends if lookup.canonical_address(b, "web")]
    assert [b["address"] for b in kept] == [
        a for a in (dns_names.parse_ip_address(address) for address in addresses) if a is not None]


@FAST
@given(st.lists(st.tuples(NODE_NAMES, MAYBE, MAYBE), max_size=4))
@example([("web.example", "FD00::0001", ""), ("db", ZONE_PAYLOAD, "10.0.0.2")])
def test_the_inventory_keeps_each_node_that_can_be_a_host_and_each_instance_with_an_address(nodes):
    instances = [dict(Node=dict(Node=name), Service=dict(ID="web-%d" % i, Address=service, Port=80, Tags=[]), Checks=[])
                 for i, (name, _a, service) in enumerate(nodes)]
    catalog = dict(nodes=[dict(Node=name, Address=address, Datacenter="dc1") for name, address, _s in nodes],
                   instances=dict(web=instances))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(inventory.display, "warning", lambda message: None)
        hosts = inventory.catalog_hosts(catalog)
    # the last registration of a node name is the one Consul would hold
    expected = dict((name, dns_names.parse_host(address)) for name, address, _s in nodes
                    if dns_names.is_dns_name(name) and dns_names.parse_host(address) is not None)
    assert dict((name, host["ansible_host"]) for name, host in hosts.items()) == expected
    for i, (name, _address, service) in enumerate(nodes):
        if name not in hosts:
            continue
        instance = [s for s in hosts[name]["consul_catalog"]["services"].get("web", []) if s["id"] == "web-%d" % i]
        wanted = dns_names.parse_host(service) if service else hosts[name]["ansible_host"]
        assert [s["address"] for s in instance] == ([] if wanted is None else [wanted])
