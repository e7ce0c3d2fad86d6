"""A forwarder never forwards to itself or to another forwarder (the dnsmasq role's upstream check)."""

import ipaddress

import pytest
from ansible.errors import AnsibleFilterError
from hypothesis import given, strategies as st

from ansible_collections.discovery.consul_dns.plugins.filter.upstream_loops import upstream_loops
from ansible_collections.discovery.consul_dns.plugins.module_utils.dns_names import forwarding_loops

HOSTVARS = {
    "dns1": {"ansible_facts": {"default_ipv4": {"address": "10.89.50.31"},
                               "all_ipv4_addresses": ["10.89.50.31", "192.168.7.1"], "all_ipv6_addresses": ["fd00::31"]}},
    "dns2": {"consul_advertise_address": "10.89.50.32"},
    "dns3": {"ansible_facts": {"all_ipv4_addresses": ["10.89.50.33"]}},
    "bare": {},
}
FORWARDERS = ["dns1", "dns2", "dns3"]


def loops(upstreams, host="dns1", forwarders=tuple(FORWARDERS), own=()):
    return upstream_loops(upstreams, HOSTVARS, list(forwarders), host, list(own))


def test_a_real_upstream_passes():
    assert loops(["10.89.50.41", "10.89.50.41#5353", "2001:db8::53"]) == []


@pytest.mark.parametrize("upstream, why", [
    ("10.89.50.31", "this forwarder"), ("192.168.7.1#53", "this forwarder"), ("fd00::31", "this forwarder"),
    ("10.89.50.32", "forwarder dns2"), ("10.89.50.33#5353", "forwarder dns3"), ("::ffff:10.89.50.32", "forwarder dns2"),
    ("127.0.0.1", "loopback"), ("127.53.0.1#53", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"),
    ("0.0.0.0", "unspecified: this host"), ("::", "unspecified: this host"),
    ("fd00:0:0::31", "this forwarder"),   # another spelling of the same address
])
def test_a_loop_is_refused_naming_the_value_and_why(upstream, why):
    assert loops(["10.89.50.41", upstream]) == ["%s (%s)" % (upstream, why)]


def test_this_forwarders_listen_addresses_count_as_its_own():
    assert loops(["10.9.9.9"], own=["10.9.9.9"]) == ["10.9.9.9 (this forwarder)"]


def test_seen_from_another_forwarder_the_first_is_a_forwarder():
    assert loops(["10.89.50.31"], host="dns2") == ["10.89.50.31 (forwarder dns1)"]


def test_a_forwarder_whose_address_is_unknown_is_an_error_not_a_pass():
    with pytest.raises(AnsibleFilterError, match="no address known for forwarder bare"):
        loops(["10.89.50.41"], forwarders=FORWARDERS + ["bare"])


def test_what_is_no_address_is_left_to_the_dns_server_test():
    assert forwarding_loops(["not-an-address", None, "10.0.0.1#x"], {}) == []


@given(st.integers(min_value=0, max_value=2 ** 24 - 1), st.one_of(st.none(), st.integers(min_value=1, max_value=65535)))
def test_every_ipv4_loopback_address_is_refused_with_or_without_a_port(offset, port):
    address = str(ipaddress.IPv4Address(int(ipaddress.IPv4Address("127.0.0.0")) + offset))
    value = address if port is None else "%s#%d" % (address, port)
    assert forwarding_loops([value], {}) == ["%s (loopback)" % value]


@given(st.ip_addresses())
def test_any_known_address_is_refused_in_any_form(address):
    known = {str(address): "forwarder x"}
    values = [str(address), address.exploded]
    if address.version == 4:
        values.append("::ffff:%s" % address)
    refused = forwarding_loops(values, known)
    assert len(refused) == len(values)


def test_every_address_a_host_is_known_by_counts():
    hostvars = {"f1": {"consul_bind_address": "10.0.0.1", "ansible_facts": {"default_ipv6": {"address": "fd00::1"}}},
                "f2": {"ansible_facts": {"default_ipv4": {"address": "10.0.0.2"}, "all_ipv6_addresses": ["fd00::2"],
                                         "default_ipv6": None, "all_ipv4_addresses": None}},
                "f3": {"consul_advertise_address": "10.0.0.3", "ansible_facts": None}}
    upstreams = ["10.0.0.1", "fd00::1", "10.0.0.2", "fd00::2", "10.0.0.3", "10.0.0.4"]
    assert upstream_loops(upstreams, hostvars, ["f1", "f2", "f3"], "f1") == [
        "10.0.0.1 (this forwarder)", "fd00::1 (this forwarder)", "10.0.0.2 (forwarder f2)", "fd00::2 (forwarder f2)",
        "10.0.0.3 (forwarder f3)"]


def test_this_forwarder_first_even_when_another_shares_its_address_or_it_is_not_in_the_group():
    hostvars = {"f1": {"consul_advertise_address": "10.0.0.9"}, "f2": {"consul_advertise_address": "10.0.0.9"}}
    assert upstream_loops(["10.0.0.9"], hostvars, ["f2", "f1"], "f1") == ["10.0.0.9 (this forwarder)"]
    assert upstream_loops(["10.0.0.9"], hostvars, None, "f2") == ["10.0.0.9 (this forwarder)"]
    assert upstream_loops(["10.0.0.9"], hostvars, ["f2"], "f1", ["10.0.0.9"]) == ["10.0.0.9 (this forwarder)"]
    # a listen address that is only another forwarder's stays that forwarder's
    hostvars["f1"] = {"consul_advertise_address": "10.0.0.1"}
    assert upstream_loops(["10.0.0.9"], hostvars, ["f2"], "f1", ["10.0.0.9"]) == ["10.0.0.9 (forwarder f2)"]
    assert upstream_loops(None, hostvars, ["f2"], "f1", None) == []


def test_the_error_says_what_to_do():
    with pytest.raises(AnsibleFilterError) as caught:
        upstream_loops(["10.0.0.1"], HOSTVARS, ["dns1", "bare"], "dns1")
    assert str(caught.value) == ("upstream_loops: no address known for forwarder bare: gather its facts or set "
                                 "consul_advertise_address")


def test_the_filter_is_registered_under_its_name():
    from ansible_collections.discovery.consul_dns.plugins.filter.upstream_loops import FilterModule
    assert FilterModule().filters() == {"upstream_loops": upstream_loops}
