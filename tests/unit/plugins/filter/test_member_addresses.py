import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.discovery.consul_dns.plugins.filter.member_addresses import member_addresses


def test_advertise_then_bind_then_facts_in_canonical_form():
    hostvars = {"a": {"consul_advertise_address": "FD00::0001", "consul_bind_address": "10.0.0.9"},
                "b": {"consul_bind_address": "10.0.0.2"},
                "c": {"ansible_facts": {"default_ipv4": {"address": "10.0.0.3"}}}}
    assert member_addresses(["a", "b", "c"], hostvars) == ["fd00::1", "10.0.0.2", "10.0.0.3"]


@pytest.mark.parametrize("host_vars,named", [
    ({"consul_advertise_address": "fe80::1%x\n6.6.6.6 www.bank.example"}, "consul_advertise_address of a"),
    ({"consul_bind_address": "10.0.0.1\n"}, "consul_bind_address of a"),
    ({"ansible_facts": {"default_ipv4": {"address": "010.1.1.1"}}}, "ansible_facts.default_ipv4.address of a"),
])
def test_a_near_address_fails_naming_the_host_and_the_variable(host_vars, named):
    with pytest.raises(AnsibleFilterError, match=named):
        member_addresses(["a"], {"a": host_vars})


def test_a_host_without_an_address_fails():
    with pytest.raises(AnsibleFilterError, match="no address for a"):
        member_addresses(["a"], {"a": {}})


FACTS = {"ansible_facts": {"default_ipv4": {"address": "10.0.0.3"}}}


@pytest.mark.parametrize("host_vars,expected", [
    (dict(FACTS, consul_advertise_address="10.0.0.1", consul_bind_address="10.0.0.2"), "10.0.0.1"),
    (dict(FACTS, consul_advertise_address="10.0.0.1"), "10.0.0.1"),
    (dict(FACTS, consul_bind_address="10.0.0.2"), "10.0.0.2"),
    (dict(FACTS, consul_advertise_address="", consul_bind_address="10.0.0.2"), "10.0.0.2"),
    (dict(FACTS, consul_advertise_address="", consul_bind_address=""), "10.0.0.3"),
])
def test_advertise_wins_over_bind_and_bind_over_the_facts_when_all_are_there(host_vars, expected):
    """Every host here has gathered facts: the facts' default address is only the last resort."""
    assert member_addresses(["a"], {"a": host_vars}) == [expected]
