"""The inventory plugin's pure parts (catalog_hosts, group names, health) and the plugin itself as
ansible-inventory loads it, on a fixed catalog: group_prefixes, strict with compose and groups."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest
import yaml
from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar
from ansible.utils.unsafe_proxy import AnsibleUnsafe

from ansible_collections.discovery.consul_dns.plugins.inventory import consul as consul_inventory
from ansible_collections.discovery.consul_dns.plugins.inventory.consul import catalog_hosts, group_name, instance_health

try:
    from ansible.template import is_trusted_as_template, trust_as_template   # ansible-core 2.19 and later
except ImportError:
    is_trusted_as_template = trust_as_template = None


def node(name, address="10.0.0.1", meta=None, datacenter="bj"):
    return dict(Node=name, Address=address, Datacenter=datacenter, Meta=meta or {})


def entry(node_name, service, tags=(), statuses=("passing",), address=""):
    instance = dict(ID=service + "1", Service=service, Address=address, Port=80, Tags=list(tags), Meta={})
    return dict(Node=dict(Node=node_name), Service=instance, Checks=[dict(Status=status) for status in statuses])


CATALOG = dict(
    nodes=[node("a", "10.0.0.1"), node("b", "10.0.0.2"), node("c", "10.0.0.3"), node("bad name", "10.0.0.4"),
           node("d", "10.0.0.5\nx")],
    instances=dict(web=[entry("a", "web", ["v2"]), entry("b", "web", statuses=("passing", "critical")),
                        entry("bad name", "web")],
                   api=[entry("b", "api", address="10.9.9.9")]))


def test_every_node_without_filters_and_none_that_could_not_be_a_host():
    hosts = catalog_hosts(CATALOG)
    assert sorted(hosts) == ["a", "b", "c"]
    assert hosts["b"]["consul_catalog"]["services"]["api"][0]["address"] == "10.9.9.9"
    assert hosts["a"]["consul_catalog"]["services"]["web"][0]["address"] == "10.0.0.1"   # the node's when the service has none
    assert hosts["b"]["consul_catalog"]["services"]["web"][0]["health"] == "critical"


def test_filters_keep_the_nodes_with_an_instance_left():
    assert sorted(catalog_hosts(CATALOG, services=["web"])) == ["a", "b"]
    assert sorted(catalog_hosts(CATALOG, passing_only=True)) == ["a", "b"]
    assert sorted(catalog_hosts(CATALOG, passing_only=True)["b"]["consul_catalog"]["services"]) == ["api"]
    assert sorted(catalog_hosts(CATALOG, tags=["v2"])) == ["a"]


def test_health_is_the_worst_check_and_group_names_keep_safe_characters():
    assert instance_health([]) == "passing"
    assert instance_health([dict(Status="warning"), dict(Status="passing")]) == "warning"
    assert instance_health([dict(Status="warning"), dict(Status="critical")]) == "critical"
    assert group_name("service_", "web-v2.x") == "service_web_v2_x"
    assert group_name("tag_", "a;b\nc") == "tag_a_b_c"


def test_a_near_address_is_never_ansible_host_nor_an_instance_address(monkeypatch):
    warnings = []
    monkeypatch.setattr(consul_inventory.display, "warning", warnings.append)
    zone_payload = "fe80::1%x\n6.6.6.6 www.bank.example"
    catalog = dict(nodes=[node("a", "FD00::0001"), node("b", zone_payload), node("c", "010.1.1.1"), node("d", "web\n")],
                   instances=dict(web=[entry("a", "web", address=zone_payload), entry("a", "api", address="10.0.0.1\n")]))
    hosts = catalog_hosts(catalog)
    assert sorted(hosts) == ["a"] and hosts["a"]["ansible_host"] == "fd00::1"
    assert hosts["a"]["consul_catalog"]["services"] == {}
    assert [w.split(":")[1].split(" its ")[0] for w in warnings] == [
        " left out node 'b'", " left out node 'c'", " left out node 'd'",
        " left out instance 'web1' of service 'web' on node 'a'", " left out instance 'api1' of service 'web' on node 'a'"]


# Values from Consul are never templated -----------------------------------------------------------
#
# Whoever may register a node or a service writes its metadata, tags and IDs: a template there
# ('{{ lookup("pipe", ...) }}') must reach a play as text. The plugin marks every value it sets
# (wrap_var). Through ansible-inventory that marking cannot be seen on ansible-core 2.19: data
# decoded from Consul's JSON is never trusted as a template there, marked or not, so
# tests/integration/test_inventory_plugin.py passes without it. Here the plugin is given values
# as a template-trusted source would give them (on 2.19 trusted as Ansible's own files are; before
# 2.19 a plain str, which Ansible templates), and what it sets must still never be run.

INJECTED = "{{ 'INJ' ~ 'ECTED' }}"   # 'INJECTED' only when run


def as_trusted(value):
    """Every string of value as a template-trusted source would give it."""
    if isinstance(value, dict):
        return dict((as_trusted(k), as_trusted(v)) for k, v in value.items())
    if isinstance(value, list):
        return [as_trusted(item) for item in value]
    if isinstance(value, str) and trust_as_template is not None:
        return trust_as_template(value)
    return value


def never_templated(value):
    """Whether Ansible would leave this string as it is: untrusted (2.19), or unsafe (before)."""
    if is_trusted_as_template is not None:
        return not is_trusted_as_template(value)
    return isinstance(value, AnsibleUnsafe)


def strings(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, str):
        yield value


def populated(catalog):
    plugin = consul_inventory.InventoryModule()
    plugin.inventory = InventoryData()
    plugin.templar = Templar(loader=DataLoader())
    options = dict(group_prefixes={}, strict=False, compose={}, groups={}, keyed_groups=[])
    plugin.get_option = options.get
    plugin._populate(catalog_hosts(catalog))
    return plugin.inventory


def test_values_from_consul_are_set_marked_never_to_be_templated_even_when_given_trusted():
    catalog = as_trusted(dict(
        nodes=[dict(Node="inv-c", Address="127.0.0.63", Datacenter="dc1", Meta={"note": INJECTED, "rack": "r1"})],
        instances=dict(api=[dict(Node=dict(Node="inv-c"), Checks=[dict(Status="passing")], Service=dict(
            ID="api-" + INJECTED, Address="", Port=9000, Tags=["v2", INJECTED], Meta={"owner": INJECTED}))])))
    host = populated(catalog).get_host("inv-c")
    # what the plugin set from Consul (consul_catalog, keys included), not what Ansible adds
    # (inventory_file, inventory_dir before 2.19) or the variable's own name
    from_consul = list(strings(host.vars["consul_catalog"]))
    assert len([text for text in from_consul if "{{" in text]) == 4   # the two metas, the tag, the ID
    assert [text for text in from_consul if not never_templated(text)] == []
    host_vars = host.get_vars()
    # as a play would use it: its own template (trusted) reading the variable
    play_template = as_trusted("{{ consul_catalog.node_meta.note }} {{ consul_catalog.services.api[0].meta.owner }}")
    rendered = Templar(loader=DataLoader(), variables=host_vars).template(play_template)
    assert rendered == "%s %s" % (INJECTED, INJECTED) and "INJECTED" not in rendered


PLUGIN = "discovery.consul_dns.consul"


@pytest.fixture(scope="module")
def plugin_options():
    """The plugin's options with their doc fragments, as ansible-doc resolves them: ansible's plugin
    loader cannot load a collection that this process already imported as plain packages."""
    ansible_doc = os.path.join(os.path.dirname(sys.executable), "ansible-doc")
    out = subprocess.run([ansible_doc, "-t", "inventory", "--json", PLUGIN], capture_output=True, text=True,
                         check=True, env=dict(os.environ, ANSIBLE_NOCOLOR="1")).stdout
    return json.loads(out)[PLUGIN]["doc"]["options"]


@pytest.fixture
def parse(monkeypatch, tmp_path, plugin_options):
    """Parse a source file with these options through the plugin's parse(), with its documented options
    and defaults, the catalog read from CATALOG: the InventoryData it filled."""
    C.config.initialize_plugin_configuration_definitions("inventory", PLUGIN, plugin_options)
    monkeypatch.setattr(consul_inventory.InventoryModule, "_read_catalog", lambda self: CATALOG)

    def run(**options):
        path = tmp_path / "consul.yml"
        path.write_text(yaml.safe_dump(dict(plugin=PLUGIN, **options)))
        inventory = InventoryData()
        plugin = consul_inventory.InventoryModule()
        plugin._load_name = PLUGIN
        # what the plugin loader sets (ansible-core 2.16 reads it without a default)
        plugin._redirected_names = [PLUGIN]
        assert plugin.verify_file(str(path))
        plugin.parse(inventory, DataLoader(), str(path), cache=False)
        return inventory
    return run


def members(inventory, group):
    return sorted(host.name for host in inventory.groups[group].get_hosts()) if group in inventory.groups else []


def test_group_names_carry_the_given_prefixes(parse):
    inventory = parse(group_prefixes=dict(service="svc_", tag="t_", datacenter="site_"))
    assert members(inventory, "svc_web") == ["a", "b"] and members(inventory, "svc_api") == ["b"]
    assert members(inventory, "t_v2") == ["a"] and members(inventory, "site_bj") == ["a", "b", "c"]
    # none under the default prefixes
    assert [g for g in inventory.groups if g.startswith(("service_", "tag_", "dc_"))] == []


def test_a_prefix_not_given_keeps_its_default(parse):
    inventory = parse(group_prefixes=dict(service="svc_"))
    assert members(inventory, "svc_web") == ["a", "b"]
    assert members(inventory, "tag_v2") == ["a"] and members(inventory, "dc_bj") == ["a", "b", "c"]
    assert "service_web" not in inventory.groups


# an expression that fails for every host: the catalog has no such key
BAD = "consul_catalog.no_such_key.anything"
BAD_OPTIONS = {"compose": dict(compose=dict(broken=BAD)), "groups": dict(groups=dict(broken=BAD))}


@pytest.mark.parametrize("option", sorted(BAD_OPTIONS))
def test_strict_fails_on_an_expression_that_cannot_be_evaluated(parse, option):
    with pytest.raises(AnsibleError, match="broken"):
        parse(strict=True, **BAD_OPTIONS[option])


@pytest.mark.parametrize("strict", [False, None], ids=["strict-false", "strict-default"])
@pytest.mark.parametrize("option", sorted(BAD_OPTIONS))
def test_without_strict_a_failing_expression_is_skipped_and_the_rest_applied(parse, option, strict):
    # a working expression beside the failing one is still applied
    options = {key: dict(value, working="consul_catalog.node == 'a'") for key, value in BAD_OPTIONS[option].items()}
    if strict is not None:
        options["strict"] = strict
    inventory = parse(**options)
    assert sorted(host.name for host in inventory.hosts.values()) == ["a", "b", "c"]
    assert "broken" not in inventory.groups and all("broken" not in host.vars for host in inventory.hosts.values())
    if option == "groups":
        assert members(inventory, "working") == ["a"]
    else:
        assert [inventory.hosts[name].vars["working"] for name in ("a", "b", "c")] == [True, False, False]


def test_several_datacenters_make_one_inventory_with_a_group_each(parse, monkeypatch):
    second = dict(nodes=[node("e", "10.1.0.5", datacenter="sh"), node("a", "10.1.0.1", datacenter="sh")],
                  instances=dict(web=[entry("e", "web"), entry("a", "web")]))
    monkeypatch.setattr(consul_inventory.InventoryModule, "_read_catalog",
                        lambda self: dict(datacenters=[CATALOG, second]))
    warnings = []
    monkeypatch.setattr(consul_inventory.display, "warning", warnings.append)
    inventory = parse()
    assert members(inventory, "dc_bj") == ["a", "b", "c"] and members(inventory, "dc_sh") == ["e"]
    assert members(inventory, "service_web") == ["a", "b", "e"]
    # the node of the first datacenter listed keeps its name; the other is left out, named
    assert inventory.get_host("a").vars["ansible_host"] == "10.0.0.1"
    assert [w for w in warnings if "'a' of datacenter 'sh'" in w and "datacenter 'bj'" in w]
