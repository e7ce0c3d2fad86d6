import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.discovery.consul_dns.plugins.filter.local_networks import local_networks


def test_every_interfaces_subnet_plus_loopback():
    facts = {
        "interfaces": ["lo", "eth0", "br-lan"],
        "lo": {"ipv4": {"address": "127.0.0.1", "netmask": "255.0.0.0"},
               "ipv6": [{"address": "::1", "prefix": "128", "scope": "host"}]},
        "eth0": {"ipv4": {"address": "10.89.50.31", "netmask": "255.255.255.0"},
                 "ipv4_secondaries": [{"address": "192.0.2.7", "netmask": "255.255.255.128"}],
                 "ipv6": [{"address": "fe80::1", "prefix": "64", "scope": "link"},
                          {"address": "fd00:1::5", "prefix": "64", "scope": "global"}]},
        "br_lan": {"ipv4": {"address": "172.16.3.1", "netmask": "255.255.0.0"}},
    }
    assert local_networks(facts) == ["10.89.50.0/24", "127.0.0.0/8", "172.16.0.0/16", "192.0.2.0/25",
                                     "::1/128", "fd00:1::/64"]


def test_an_interface_without_addresses_adds_nothing():
    assert local_networks({"interfaces": ["dummy0"], "dummy0": {}}) == ["127.0.0.0/8", "::1/128"]


def test_facts_are_required():
    with pytest.raises(AnsibleFilterError, match="gathered facts"):
        local_networks({})


@pytest.mark.parametrize("entry", [
    {"ipv4": {"address": "010.1.1.1", "netmask": "255.255.255.0"}},
    {"ipv4": {"address": "10.1.1.1\n", "netmask": "255.255.255.0"}},
    {"ipv4": {"address": "10.1.1.1", "netmask": "255.255.255.0 "}},
    {"ipv6": [{"address": "fe80::1%x\n6.6.6.6 www.bank.example", "prefix": "64", "scope": "global"}]},
    {"ipv6": [{"address": "fd00::1", "prefix": "064", "scope": "global"}]},
])
def test_a_near_address_in_the_facts_fails_naming_the_interface(entry):
    with pytest.raises(AnsibleFilterError, match="interface eth0"):
        local_networks({"interfaces": ["eth0"], "eth0": entry})
