import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.discovery.consul_dns.plugins.filter.local_networks import FilterModule, local_networks


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


@pytest.mark.parametrize("entry, message", [
    ({"ipv4": {"address": "010.1.1.1", "netmask": "255.255.255.0"}}, "address '010.1.1.1' is not an IP address"),
    ({"ipv4": {"address": "10.1.1.1", "netmask": "255.255.255.0 "}}, "netmask '255.255.255.0 ' is not an IP address"),
    ({"ipv6": [{"address": "fd00::1", "prefix": "064", "scope": "global"}]},
     "address 'fd00::1' with prefix '064' is not a network"),
])
def test_the_failure_names_the_interface_the_field_and_its_value(entry, message):
    with pytest.raises(AnsibleFilterError) as failure:
        local_networks({"interfaces": ["eth0"], "eth0": entry})
    assert str(failure.value) == "local_networks: interface eth0: " + message


def test_the_failure_without_facts_says_what_to_give():
    for facts in ({}, None, ["eth0"]):
        with pytest.raises(AnsibleFilterError) as failure:
            local_networks(facts)
        assert str(failure.value) == "local_networks: give a host's gathered facts (ansible_facts, network subset)"


def test_an_entry_without_address_netmask_or_prefix_adds_nothing():
    facts = {"interfaces": ["tun0"],
             "tun0": {"ipv4": {"address": "10.8.0.1"}, "ipv4_secondaries": [{"netmask": "255.255.255.0"}],
                      "ipv6": [{"address": "fd00::1", "scope": "global"}, {"prefix": "64", "scope": "global"}]}}
    assert local_networks(facts) == ["127.0.0.0/8", "::1/128"]


def test_a_host_address_is_widened_to_its_network():
    facts = {"interfaces": ["eth0"],
             "eth0": {"ipv4": {"address": "192.0.2.130", "netmask": "255.255.255.192"},
                      "ipv6": [{"address": "2001:db8:1:2::7", "prefix": "48", "scope": "global"},
                               {"address": "2001:db8::9", "prefix": "128", "scope": "global"}]}}
    assert local_networks(facts) == ["127.0.0.0/8", "192.0.2.128/26", "::1/128", "2001:db8::9/128", "2001:db8:1::/48"]


def test_the_filter_is_called_local_networks():
    assert FilterModule().filters() == {"local_networks": local_networks}
