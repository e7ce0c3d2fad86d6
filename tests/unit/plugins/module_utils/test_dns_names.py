from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.discovery.consul_dns.plugins.module_utils import dns_names
from ansible_collections.discovery.consul_dns.plugins.test import dns as dns_tests

HOSTILE = [
    "web\naddress=/login.example/6.6.6.6",    # a second dnsmasq option
    'web" recursors = ["6.6.6.6"] x = "',     # HCL injection
    "6.6.6.6 www.bank.example",              # a hosts-file line
    "web\n", "web.example\n", "web\r",           # Python's $ matches before a final newline
    "", " web", "web ", "-web", "web-", "we b", "web_1", "a" * 64, None, 5, ["web"],
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


@pytest.mark.parametrize("bad", HOSTILE + ["10.1.88.256", "10.1.88.84/24", "10.1.88.84#53", " 10.0.0.1", "10.0.0.1\n"])
def test_addresses_refused(bad):
    assert not dns_names.is_ip_address(bad)


@pytest.mark.parametrize("bad", ["10.1.88.1/24", "10.0.0.0/33", "10.0.0.0/24\n", "any"])
def test_networks_refused(bad):
    assert not dns_names.is_ip_network(bad)


def test_the_jinja_tests_are_these_functions():
    assert dns_tests.TestModule().tests() == dict(
        dns_label=dns_names.is_dns_label, dns_name=dns_names.is_dns_name, dns_server=dns_names.is_dns_server,
        ip_address=dns_names.is_ip_address, ip_network=dns_names.is_ip_network)


@pytest.mark.parametrize("good", ["10.0.0.2", "10.0.0.2#5353", "fd00::1#53"])
def test_dns_servers(good):
    assert dns_names.is_dns_server(good)


@pytest.mark.parametrize("bad", HOSTILE + ["10.0.0.2#", "10.0.0.2#0", "10.0.0.2#65536", "10.0.0.2#053", "10.0.0.2#53\n"])
def test_dns_servers_refused(bad):
    assert not dns_names.is_dns_server(bad)
