from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.discovery.consul_dns.plugins.filter.node_names import FilterModule, node_names


def test_the_inventory_name_short_unless_the_inventory_gives_a_node_name():
    hostvars = {"web1.example.com": {}, "web2": {"consul_node_name": "backend-2"}, "dns1": {"consul_node_name": ""}}
    assert node_names(["web1.example.com", "web2", "dns1"], hostvars) == ["web1", "backend-2", "dns1"]


def test_each_name_once_and_none_for_no_hosts():
    assert node_names(["a", "a.example.com"], {"a": {}, "a.example.com": {}}) == ["a"]
    assert node_names([], {}) == []


def test_a_host_outside_the_inventory_is_named():
    with pytest.raises(AnsibleFilterError, match="'gone' is not an inventory host"):
        node_names(["gone"], {})


def test_the_filter_is_registered_under_its_name():
    assert FilterModule().filters() == {"node_names": node_names}


def test_shared_gives_the_names_two_hosts_have():
    hostvars = {"web1.bj.example": {}, "web1.sh.example": {}, "web2": {"consul_node_name": "web1"}, "web3": {}}
    assert node_names(["web1.bj.example", "web1.sh.example", "web2", "web3"], hostvars, shared=True) == ["web1"]
    assert node_names(["web1.bj.example", "web1.bj.example", "web3"], hostvars, shared=True) == []


def test_a_node_name_reported_by_the_host_itself_fails_naming_it():
    hostvars = {"web4": {"consul_node_name": "web1", "ansible_facts": {"consul_node_name": "web1"}}}
    with pytest.raises(AnsibleFilterError, match="web4 reports consul_node_name as a fact"):
        node_names(["web4"], hostvars)
