from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.discovery.consul_dns.plugins.module_utils import dns_names
from ansible_collections.discovery.consul_dns.plugins.test import dns as dns_tests

HOSTILE = [
    "web\naddress=/login.example/6.6.6.6",    # a second dnsmasq option
    'web" recursors = ["6.6.6.6"] x = "',     # HCL injection
    "6.6.6.6 www.bank.example",              # a hosts-file line
    "fe80::1%x\n6.6.6.6 www.bank.example",   # ipaddress takes it: a zone ID holding a hosts-file line
    "web\n", "10.0.0.1\n",                   # re's $ matches before a final line break
    "web.example\n", "web\r",
    "", " web", "web ", "-web", "web-", "we b", "web_1", "a" * 64, None, 5, ["web"],
]

# Text ipaddress (or an older Python's) takes that is not an address everywhere else
NOT_QUITE_ADDRESSES = [
    "010.1.1.1", "10.01.1.1", "::ffff:010.1.1.1",            # octal to inet_aton and Go's older parsers
    "fe80::1%eth0", "fe80::1%1",                            # zone IDs, even harmless-looking ones
    u"\u0661\u0660.0.0.1", u"\uff11\uff10.0.0.1",         # Arabic-Indic and fullwidth digits
    "10.0.0.1\x00", "10.0.0.1\t", "10.0.0.1\r", "\n10.0.0.1", "10.0.0.1 ",
    pytest.param("1." * 50000 + "1", id="100001-characters"),
]


@pytest.mark.parametrize("good", ["web", "web-01", "a", "A1", "a" * 63])
def test_labels(good):
    assert dns_names.is_dns_label(good)


@pytest.mark.parametrize("bad", HOSTILE + ["web.example"])
def test_labels_refused(bad):
    assert not dns_names.is_dns_label(bad)


@pytest.mark.parametrize("good", ["zhangeamon.com", "web.service.zhangeamon.com.", "consul", "x-1.example"])
def test_names(good):
    assert dns_names.is_dns_name(good)


@pytest.mark.parametrize("bad", HOSTILE + ["web..example", ".", "a." * 127 + "com", "web.example.."])
def test_names_refused(bad):
    assert not dns_names.is_dns_name(bad)


@pytest.mark.parametrize("good,network", [("10.1.88.84", "10.1.88.0/24"), ("::1", "fd00::/8"), ("127.0.0.1", "127.0.0.1")])
def test_addresses_and_networks(good, network):
    assert dns_names.is_ip_address(good) and dns_names.is_ip_network(network) and dns_names.is_host(good)


@pytest.mark.parametrize("bad", HOSTILE + NOT_QUITE_ADDRESSES + [
    "10.1.88.256", "10.1.88.84/24", "10.1.88.84#53", " 10.0.0.1", "1.2.3.4.5", "1::2::3"])
def test_addresses_refused(bad):
    assert not dns_names.is_ip_address(bad) and dns_names.parse_ip_address(bad) is None
    assert not dns_names.is_host(bad)


@pytest.mark.parametrize("given,canonical", [
    ("10.1.88.84", "10.1.88.84"), ("FD00::0001", "fd00::1"), ("0:0:0:0:0:0:0:1", "::1"), ("0.0.0.0", "0.0.0.0"),
    ("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
])
def test_addresses_come_back_canonical(given, canonical):
    assert dns_names.parse_ip_address(given) == canonical == dns_names.parse_host(given)


@pytest.mark.parametrize("name", ["web.service.consul", "web1", "10.0.0.web"])
def test_names_are_hosts_as_given(name):
    assert dns_names.parse_host(name) == name


@pytest.mark.parametrize("given,canonical", [
    ("10.1.88.0/24", "10.1.88.0/24"), ("FD00::/8", "fd00::/8"), ("10.0.0.1", "10.0.0.1/32")])
def test_networks_come_back_canonical(given, canonical):
    assert dns_names.parse_ip_network(given) == canonical


def test_networks_with_host_bits_only_when_asked():
    assert dns_names.parse_ip_network("10.1.88.5/24") is None
    assert dns_names.parse_ip_network("10.1.88.5/24", strict=False) == "10.1.88.0/24"


@pytest.mark.parametrize("bad", ["10.1.88.1/24", "10.0.0.0/33", "10.0.0.0/24\n", "any", "10.0.0.0/024",
                                 "10.0.0.0/+24", "10.0.0.0/255.255.255.0", "fe80::%x\n/64", "010.0.0.0/8"])
def test_networks_refused(bad):
    assert not dns_names.is_ip_network(bad)


def test_the_jinja_tests_are_these_functions():
    assert dns_tests.TestModule().tests() == dict(
        dns_label=dns_names.is_dns_label, dns_name=dns_names.is_dns_name, dns_server=dns_names.is_dns_server,
        ip_address=dns_names.is_ip_address, ip_network=dns_names.is_ip_network, safe_path=dns_names.is_safe_path)


@pytest.mark.parametrize("good", ["10.0.0.2", "10.0.0.2#5353", "fd00::1#53"])
def test_dns_servers(good):
    assert dns_names.is_dns_server(good)


@pytest.mark.parametrize("bad", HOSTILE + ["10.0.0.2#", "10.0.0.2#0", "10.0.0.2#65536", "10.0.0.2#053", "10.0.0.2#53\n"]
                         + NOT_QUITE_ADDRESSES + [u"10.0.0.2#\u0665\u0663", "10.0.0.2#+53", "10.0.0.2# 53"])
def test_dns_servers_refused(bad):
    assert not dns_names.is_dns_server(bad)


def test_dns_servers_come_back_canonical():
    assert dns_names.parse_dns_server("FD00::0001#5353") == "fd00::1#5353"
