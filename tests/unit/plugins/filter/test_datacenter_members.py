import pytest
from ansible.errors import AnsibleFilterError
from hypothesis import given, strategies as st

from ansible_collections.discovery.consul_dns.plugins.filter.datacenter_members import FilterModule, datacenter_members

TWO_SITES = {"node1": {"consul_datacenter": "bj"}, "node2": {"consul_datacenter": "bj"},
             "node4": {"consul_datacenter": "sh"}}


def test_a_datacenters_hosts_and_the_others():
    servers = ["node1", "node4", "node2"]
    assert datacenter_members(servers, TWO_SITES, "bj") == ["node1", "node2"]
    assert datacenter_members(servers, TWO_SITES, "sh") == ["node4"]
    assert datacenter_members(servers, TWO_SITES, "bj", exclude=True) == ["node4"]
    assert datacenter_members(servers, TWO_SITES, "gz") == []


def test_one_datacenter_needs_nothing_set():
    hostvars = {"node1": {}, "node2": {"consul_datacenter": ""}, "node3": {"consul_datacenter": "bj"}}
    assert datacenter_members(["node1", "node2"], hostvars, "dc1") == ["node1", "node2"]
    assert datacenter_members(["node1", "node2"], hostvars, "dc1", exclude=True) == []
    assert datacenter_members(["node1", "node2"], hostvars, None) == ["node1", "node2"]
    assert datacenter_members(["node3"], hostvars, "bj") == ["node3"]


@pytest.mark.parametrize("asked", ["bj", "sh", None])
def test_a_host_naming_no_datacenter_beside_one_that_does_fails_naming_it(asked):
    """Even when every host named is in the datacenter asked for: the others may be anywhere."""
    hostvars = {"node1": {}, "node2": {"consul_datacenter": ""}, "node4": {"consul_datacenter": "sh"}}
    with pytest.raises(AnsibleFilterError, match="these name none: node1, node2"):
        datacenter_members(["node1", "node2", "node4"], hostvars, asked)


def test_a_host_naming_no_datacenter_among_several_fails_naming_it():
    hostvars = dict(TWO_SITES, node9={})
    with pytest.raises(AnsibleFilterError, match="these name none: node9"):
        datacenter_members(["node1", "node4", "node9"], hostvars, "bj")
    with pytest.raises(AnsibleFilterError, match="these name none: node9"):
        datacenter_members(["node1", "node9"], hostvars, "sh")


def test_a_datacenter_reported_by_the_host_itself_fails_naming_it():
    hostvars = dict(TWO_SITES, node4={"consul_datacenter": "bj", "ansible_facts": {"consul_datacenter": "bj"}})
    with pytest.raises(AnsibleFilterError, match="node4 reports consul_datacenter as a fact"):
        datacenter_members(["node1", "node4"], hostvars, "bj")


def test_no_datacenter_given_takes_one_datacenter_only():
    with pytest.raises(AnsibleFilterError, match="several"):
        datacenter_members(["node1", "node4"], TWO_SITES, "")
    assert datacenter_members(["node1", "node2"], TWO_SITES, None) == ["node1", "node2"]


def test_a_host_not_in_the_inventory_is_named():
    with pytest.raises(AnsibleFilterError, match="'ghost'"):
        datacenter_members(["ghost"], TWO_SITES, "bj")


@given(st.dictionaries(st.text(min_size=1, max_size=4), st.sampled_from(["bj", "sh", "gz"]), max_size=8),
       st.sampled_from(["bj", "sh", "gz"]))
def test_every_host_lands_on_exactly_one_side(sites, datacenter):
    hostvars = {host: {"consul_datacenter": site} for host, site in sites.items()}
    hosts = list(sites)
    inside = datacenter_members(hosts, hostvars, datacenter)
    outside = datacenter_members(hosts, hostvars, datacenter, exclude=True)
    assert sorted(inside + outside) == sorted(hosts) and not set(inside) & set(outside)
    assert all(sites[host] == datacenter for host in inside) and all(sites[host] != datacenter for host in outside)


def test_the_filter_is_published():
    assert FilterModule().filters()["datacenter_members"] is datacenter_members
