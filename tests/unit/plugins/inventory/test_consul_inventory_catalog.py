"""The inventory plugin's host variables in full, its groups, what it asks Consul, its errors and its
cache, with the Consul client faked (no ansible-doc: options set directly)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from ansible.errors import AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.discovery.consul_dns.plugins.inventory import consul as consul_inventory
from ansible_collections.discovery.consul_dns.plugins.inventory.consul import catalog_hosts
from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_client import CONNECTION_ARGUMENT_SPEC, ConsulError

try:
    from ansible.template import trust_as_template   # ansible-core 2.19 and later
except ImportError:
    def trust_as_template(value):
        return value

PLUGIN = "discovery.consul_dns.consul"


def instance(node, service, address="", port=80, tags=None, meta=None, statuses=("passing",)):
    return dict(Node=dict(Node=node), Checks=[dict(Status=s) for s in statuses],
                Service=dict(ID="%s-%s" % (service, node), Service=service, Address=address, Port=port, Tags=tags, Meta=meta))


CATALOG = dict(
    nodes=[dict(Node="a", Address="10.0.0.1", Datacenter="bj", Meta={"rack": "r1"}),
           dict(Node="b", Address="FD00::0002", Datacenter="bj", Meta=None),
           dict(Node="c", Address="c.example.org", Datacenter=None)],
    instances=dict(
        web=[instance("a", "web", tags=["v2", "blue"], meta={"owner": "x"}),
             instance("b", "web", address="10.0.0.22", port=81, statuses=("passing", "warning"))],
        api=[instance("a", "api", address="api.example.org", port=None, statuses=())]))


def test_every_host_variable_in_full():
    assert catalog_hosts(CATALOG) == {
        "a": dict(ansible_host="10.0.0.1", consul_catalog=dict(node="a", datacenter="bj", node_meta={"rack": "r1"}, services=dict(
            api=[dict(id="api-a", address="api.example.org", port=None, tags=[], meta={}, health="passing")],
            web=[dict(id="web-a", address="10.0.0.1", port=80, tags=["v2", "blue"], meta={"owner": "x"}, health="passing")]))),
        "b": dict(ansible_host="fd00::2", consul_catalog=dict(node="b", datacenter="bj", node_meta={}, services=dict(
            web=[dict(id="web-b", address="10.0.0.22", port=81, tags=[], meta={}, health="warning")]))),
        "c": dict(ansible_host="c.example.org", consul_catalog=dict(node="c", datacenter=None, node_meta={}, services={})),
    }


def services_of(hosts):
    return dict((name, sorted(host["consul_catalog"]["services"])) for name, host in hosts.items())


@pytest.mark.parametrize("filters,expected", [
    (dict(), dict(a=["api", "web"], b=["web"], c=[])),
    (dict(services=["api"]), dict(a=["api"])),
    (dict(services=["web", "api"]), dict(a=["api", "web"], b=["web"])),
    (dict(tags=["v2"]), dict(a=["web"])),
    (dict(tags=["v2", "green"]), dict()),
    (dict(passing_only=True), dict(a=["api", "web"])),
    (dict(services=["nothing"]), dict()),
])
def test_filters_leave_out_instances_and_then_nodes_without_one(filters, expected):
    assert services_of(catalog_hosts(CATALOG, **filters)) == expected


def test_what_is_left_out_is_named_in_a_warning(monkeypatch):
    warnings = []
    monkeypatch.setattr(consul_inventory.display, "warning", warnings.append)
    catalog = dict(nodes=[dict(Node="a", Address="10.0.0.1"), dict(Node="-x", Address="10.0.0.2"), dict(Node="d", Address="")],
                   instances=dict(web=[instance("a", "web", address="a b"), instance("-x", "web")]))
    assert services_of(catalog_hosts(catalog)) == dict(a=[])
    assert warnings == [
        "consul inventory: left out node '-x': its name must be a DNS name and its address an IP address or a DNS name"
        " (address '10.0.0.2')",
        "consul inventory: left out node 'd': its name must be a DNS name and its address an IP address or a DNS name"
        " (address '')",
        "consul inventory: left out instance 'web-a' of service 'web' on node 'a': its address must be an IP address"
        " or a DNS name (address 'a b')"]


def plugin_with(options):
    plugin = consul_inventory.InventoryModule()
    plugin._load_name = PLUGIN
    values = dict(services=[], tags=[], node_meta={}, passing_only=False, group_prefixes=None, strict=False, compose={},
                  groups={}, keyed_groups=[], cache=False)
    values.update(options)
    plugin.get_option = values.get
    plugin.templar = Templar(loader=DataLoader())
    plugin.inventory = InventoryData()
    return plugin


class Consul(object):
    """A fake ConsulClient: the catalog above, and every call made to it."""

    calls = []
    connections = []
    error = None

    def __init__(self, connection):
        Consul.connections.append(connection)
        self.datacenter = connection.get("datacenter")
        if Consul.error:
            raise ConsulError(Consul.error)

    def catalog_datacenters(self):
        Consul.calls.append(("datacenters",))
        return ["sh", "bj"]

    def catalog_services(self):
        Consul.calls.append(("services", self.datacenter))
        return dict((name, []) for name in CATALOG["instances"])

    def catalog_nodes(self, node_meta=None):
        Consul.calls.append(("nodes", node_meta, self.datacenter))
        return CATALOG["nodes"]

    def service_instances(self, service, **query):
        Consul.calls.append((service, query))
        return CATALOG["instances"].get(service, [])


@pytest.fixture
def consul(monkeypatch):
    monkeypatch.setattr(Consul, "calls", [])
    monkeypatch.setattr(Consul, "connections", [])
    monkeypatch.setattr(Consul, "error", None)
    monkeypatch.setattr(consul_inventory, "ConsulClient", Consul)
    monkeypatch.setattr(consul_inventory, "HAS_CONSUL", True)
    return Consul


def test_the_catalog_is_read_in_one_request_for_the_nodes_and_one_per_service(consul):
    catalog = plugin_with(dict(node_meta={"rack": "r1"}, host="10.1.88.81", token="t"))._read_catalog()
    assert catalog == dict(datacenters=[CATALOG])
    everyone = dict(node_meta={"rack": "r1"}, passing=None)
    assert consul.calls == [("services", None), ("nodes", {"rack": "r1"}, None), ("api", everyone), ("web", everyone)]
    [connection] = consul.connections
    assert set(connection) == set(CONNECTION_ARGUMENT_SPEC) and (connection["host"], connection["token"]) == ("10.1.88.81", "t")


def test_the_services_named_are_read_without_listing_the_catalogs(consul):
    catalog = plugin_with(dict(services=["web", "db"]))._read_catalog()
    assert catalog == dict(datacenters=[dict(nodes=CATALOG["nodes"], instances=dict(web=CATALOG["instances"]["web"], db=[]))])
    assert [call[0] for call in consul.calls] == ["nodes", "web", "db"]


def test_each_datacenter_is_read_by_its_name_and_a_star_asks_the_agent_which_there_are(consul):
    catalog = plugin_with(dict(services=["web"], datacenters=["sh", "bj"]))._read_catalog()
    assert len(catalog["datacenters"]) == 2
    assert [call[:3:2] for call in consul.calls if call[0] == "nodes"] == [("nodes", "sh"), ("nodes", "bj")]

    # "*": the agent's own datacenter first (its nodes keep their names), then every other it knows
    consul.calls[:] = []
    plugin_with(dict(services=["web"], datacenters=["*"]))._read_catalog()
    assert [call[0] for call in consul.calls] == ["nodes", "web", "datacenters", "nodes", "web"]
    assert [call[2] for call in consul.calls if call[0] == "nodes"] == [None, "sh"]


def test_a_consul_error_or_a_missing_library_fails_the_source_naming_the_plugin(consul, monkeypatch):
    consul.error = "reading the catalog's nodes: 403 ACL not found"
    with pytest.raises(AnsibleParserError) as caught:
        plugin_with({})._read_catalog()
    assert str(caught.value) == "consul inventory: reading the catalog's nodes: 403 ACL not found"
    monkeypatch.setattr(consul_inventory, "HAS_CONSUL", False)
    with pytest.raises(AnsibleParserError) as caught:
        plugin_with({})._read_catalog()
    assert str(caught.value) == "consul inventory: needs the py-consul Python library on the controller"
    assert len(consul.connections) == 1


def groups_of(inventory):
    return dict((group, sorted(h.name for h in inventory.groups[group].get_hosts()))
                for group in inventory.groups if group not in ("all", "ungrouped"))


def test_groups_per_datacenter_service_and_tag_and_none_for_a_node_without_datacenter():
    plugin = plugin_with({})
    plugin._populate(catalog_hosts(CATALOG))
    assert groups_of(plugin.inventory) == dict(dc_bj=["a", "b"], service_web=["a", "b"], service_api=["a"], tag_v2=["a"],
                                               tag_blue=["a"])
    host = plugin.inventory.get_host("c")
    assert (host.vars["ansible_host"], host.vars["consul_catalog"]["node"]) == ("c.example.org", "c")
    assert sorted(plugin.inventory.hosts) == ["a", "b", "c"]


@pytest.fixture
def parse(consul, tmp_path):
    """parse() with these options over a cache given as a dict: (the cache, the cache key)."""
    path = str(tmp_path / "consul.yml")

    def run(cache_option, cache, stored=None, options=None):
        plugin = plugin_with(dict(options or {}, cache=cache_option))
        plugin._read_config_data = lambda source: None
        key = plugin.get_cache_key(path)
        plugin._cache = {key: stored} if stored else {}
        if cache is None:   # as ansible-inventory calls it
            plugin.parse(InventoryData(), DataLoader(), path)
        else:
            plugin.parse(InventoryData(), DataLoader(), path, cache=cache)
        return plugin, key
    return run


def test_without_the_cache_option_the_catalog_is_read_and_not_stored(parse, consul):
    plugin = parse(False, True)[0]
    assert plugin._cache == {} and len(consul.connections) == 1
    assert sorted(plugin.inventory.hosts) == ["a", "b", "c"]


def test_with_the_cache_option_a_stored_catalog_is_used_and_nothing_asked(parse, consul):
    stored = dict(nodes=[CATALOG["nodes"][2]], instances={})
    plugin, key = parse(True, True, stored)
    assert sorted(plugin.inventory.hosts) == ["c"] and consul.connections == [] and plugin._cache == {key: stored}


@pytest.mark.parametrize("cache", [True, False], ids=["empty-cache", "refresh"])
def test_a_catalog_read_is_stored_for_the_next_run(parse, consul, cache):
    plugin, key = parse(True, cache, None if cache else dict(nodes=[], instances={}))
    assert plugin._cache == {key: dict(datacenters=[CATALOG])} and len(consul.connections) == 1
    assert sorted(plugin.inventory.hosts) == ["a", "b", "c"]


@pytest.mark.parametrize("path,expected", [("consul.yml", True), ("x.consul.yaml", True), ("consul.json", False), ("web.yml", False)])
def test_only_a_consul_yml_source_is_read(tmp_path, path, expected):
    (tmp_path / path).write_text("plugin: %s\n" % PLUGIN)
    assert consul_inventory.InventoryModule().verify_file(str(tmp_path / path)) is expected
    assert consul_inventory.InventoryModule().verify_file(str(tmp_path / "missing.consul.yml")) is False


def test_keyed_groups_from_the_catalog_and_strict_refusing_a_key_that_cannot_be_evaluated():
    # the key as Ansible's configuration gives it: trusted as a template (ansible-core 2.19)
    keyed_groups = [dict(key=trust_as_template("consul_catalog.node_meta.rack"), prefix="rack")]
    plugin = plugin_with(dict(keyed_groups=keyed_groups))
    plugin._populate(catalog_hosts(CATALOG))
    assert groups_of(plugin.inventory)["rack_r1"] == ["a"]
    assert not [group for group in plugin.inventory.groups if group.startswith("rack_") and group != "rack_r1"]
    plugin = plugin_with(dict(strict=True, keyed_groups=keyed_groups))
    with pytest.raises(AnsibleParserError, match="Could not generate group for host b"):
        plugin._populate(catalog_hosts(CATALOG))


def test_the_filter_options_reach_the_hosts(parse, consul):
    consul.calls[:] = []
    plugin = parse(False, True, options=dict(services=["api"]))[0]
    assert sorted(plugin.inventory.hosts) == ["a"]
    plugin = parse(False, True, options=dict(tags=["v2"]))[0]
    assert sorted(plugin.inventory.hosts) == ["a"]
    plugin = parse(False, True, options=dict(passing_only=True))[0]
    assert sorted(plugin.inventory.hosts) == ["a"]


def test_the_cache_is_used_unless_the_caller_refreshes_it(parse, consul):
    stored = dict(nodes=[CATALOG["nodes"][2]], instances={})
    plugin = parse(True, None, stored)[0]
    assert sorted(plugin.inventory.hosts) == ["c"] and consul.connections == []
