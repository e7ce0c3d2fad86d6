"""The edges of the validators and parsers: the longest name, path and port taken and one more
refused, every upstream of a list examined (not just those before the first that is no address), the
exact messages an operator reads. Found by mutation testing (docs/testing.md): hypothesis rarely draws
an exact limit, and most checks matched a message only in part."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.discovery.consul_dns.plugins.filter.checks import check_hold_seconds
from ansible_collections.discovery.consul_dns.plugins.filter.member_addresses import member_addresses
from ansible_collections.discovery.consul_dns.plugins.filter.resolv_conf import search_domains
from ansible_collections.discovery.consul_dns.plugins.module_utils import dns_names
from ansible_collections.discovery.consul_dns.plugins.module_utils.durations import DefinitionError, parse_duration


def name_of_length(length):
    """A DNS name of exactly `length` characters (labels of 63 and dots)."""
    labels, left = [], length
    while left > 0:
        size = min(63, left)
        labels.append("a" * size)
        left -= size + 1
    name = ".".join(labels)
    return name[:length] if len(name) >= length else name + "b" * (length - len(name))


def test_a_name_of_253_characters_is_taken_and_one_of_254_refused():
    assert len(name_of_length(253)) == 253 and dns_names.is_dns_name(name_of_length(253))
    assert dns_names.is_dns_name(name_of_length(253) + ".")    # the root's dot does not count
    assert len(name_of_length(254)) == 254 and not dns_names.is_dns_name(name_of_length(254))


def test_a_path_of_path_max_characters_is_taken_and_a_longer_one_refused():
    longest = ("/" + "a" * 199) * 20          # components of 200 characters, as a file system takes them
    longest += "/" + "b" * (dns_names.PATH_MAX - len(longest) - 1)
    assert len(longest) == 4095 and dns_names.is_safe_path(longest)
    assert not dns_names.is_safe_path(longest + "a")


@pytest.mark.parametrize("port, taken", [("65535", True), ("65536", False), ("1", True)])
def test_the_highest_port_is_taken_and_the_next_refused(port, taken):
    assert (dns_names.parse_dns_server("10.0.0.2#" + port) is not None) is taken


def test_every_upstream_of_the_list_is_examined_past_one_that_is_no_address():
    known = {"10.0.0.31": "forwarder dns1", 42: "not an address", "fe80::1%eth0": "forwarder dns2"}
    upstreams = [None, "resolver.example", "127.0.0.1", "10.0.0.31#53", "fe80::1", "9.9.9.9"]
    assert dns_names.forwarding_loops(upstreams, known) == [
        "127.0.0.1 (loopback)", "10.0.0.31#53 (forwarder dns1)", "fe80::1 (forwarder dns2)"]


def test_a_duration_refusal_says_what_was_wrong_and_how_to_write_it():
    with pytest.raises(DefinitionError) as raised:
        parse_duration("10", "interval")
    assert str(raised.value) == "interval: '10' has no unit; write it as a duration such as 10s or 10ms"
    with pytest.raises(DefinitionError) as raised:
        parse_duration("10x", "interval")
    assert str(raised.value) == "interval: '10x' is not a duration (examples: 10s, 1m30s, 500ms)"
    with pytest.raises(DefinitionError) as raised:
        parse_duration("2562048h", "timeout")
    assert str(raised.value) == "timeout: '2562048h' is longer than Consul can read (2562047h at most)"
    for value in (1.5, None, [], True):
        with pytest.raises(DefinitionError) as raised:
            parse_duration(value, "ttl")
        assert str(raised.value) == "ttl: %r is not a duration" % (value,)


def test_the_hold_of_checks_is_their_longest_interval_times_failures_plus_one():
    assert check_hold_seconds([dict(interval="1s", failures_before_critical=3), dict(interval="2s")]) == 4.0
    # no failures_before_critical: one failure makes it critical
    assert check_hold_seconds([dict(interval="1s")]) == 2.0
    with pytest.raises(AnsibleFilterError) as raised:
        check_hold_seconds([dict(interval="1s"), dict(interval="soon")])
    assert str(raised.value) == ("check_hold_seconds: checks[1].interval: 'soon' is not a duration "
                                 "(examples: 10s, 1m30s, 500ms)")
    with pytest.raises(AnsibleFilterError) as raised:
        check_hold_seconds([dict(interval="1s", failures_before_critical="three")])
    assert str(raised.value) == "check_hold_seconds: checks[0].failures_before_critical: 'three' is not a number"


def test_member_addresses_names_the_host_and_what_is_wrong():
    hostvars = {"web1": {"ansible_facts": {}}, "web2": {"consul_advertise_address": "10.0.0.300"}}
    with pytest.raises(AnsibleFilterError) as raised:
        member_addresses(["web1"], hostvars)
    assert str(raised.value) == "member_addresses: no address for web1: set consul_advertise_address or gather its facts"
    with pytest.raises(AnsibleFilterError) as raised:
        member_addresses(["web2"], hostvars)
    assert str(raised.value) == "member_addresses: consul_advertise_address of web2 is not an IP address: '10.0.0.300'"


def test_a_search_or_domain_line_needs_a_domain_and_an_empty_file_has_none():
    assert search_domains("search\nnameserver 10.0.0.1\n") == []
    assert search_domains("search a.example\nsearch\n") == ["a.example"]
    assert search_domains("") == [] and search_domains(None) == []
