"""The consul inventory plugin against real Consul 1.8.7 agents (plain and ACL), through
ansible-inventory and ansible as an operator runs them."""

import json
import os
import subprocess
import time

import pytest
import yaml

from conftest import wait_for
from harness import VENV_BIN, ansible_env

# node, address, meta, [(service, port, tags, check status)]
NODES = [
    ("inv-a", "127.0.0.61", {"rack": "r1"}, [("inv-web", 8000, ["rails", "v2"], "passing")]),
    ("inv-b", "127.0.0.62", {"rack": "r2"}, [("inv-web", 8000, ["rails"], "critical"), ("inv-api", 9000, [], "passing")]),
    # untrusted values: a template in node meta must reach the play as text, never be run
    ("inv-c", "127.0.0.63", {"note": "{{ lookup('ansible.builtin.pipe', 'echo INJECTED') }}"},
     [("inv-api", 9000, ["x-y"], "passing")]),
    # a node name that could not be a host name of an inventory (nor a DNS name): left out
    ("inv d;x", "127.0.0.64", {}, [("inv-api", 9000, [], "passing")]),
]
SERVICES = ["inv-web", "inv-api"]


def register_nodes(agent):
    for node, address, meta, services in NODES:
        for service, port, tags, status in services:
            agent.api("PUT", "/v1/catalog/register", json=dict(
                Node=node, Address=address, NodeMeta=meta,
                Service=dict(ID=service, Service=service, Port=port, Tags=tags),
                Check=dict(CheckID="check-" + service, Name="check", Status=status, ServiceID=service)))


def deregister_nodes(agent):
    for node, *_rest in NODES:
        agent.api("PUT", "/v1/catalog/deregister", json=dict(Node=node))


@pytest.fixture(scope="module")
def catalog(agent):
    register_nodes(agent)
    wait_for(lambda: len(agent.api("GET", "/v1/health/service/inv-api") or []) == 3, what="the nodes registered")
    yield agent
    deregister_nodes(agent)


def inventory(tmp_path, agent, *args, **options):
    """ansible-inventory over a source file with these options; (returncode, stdout, stderr)."""
    source = dict(plugin="discovery.consul_dns.consul", **agent.connection())
    source.update(options)
    path = tmp_path / "consul.yml"
    path.write_text(yaml.safe_dump(source))
    proc = subprocess.run([os.path.join(VENV_BIN, "ansible-inventory"), "-i", str(path)] + list(args),
                          capture_output=True, text=True, check=False, env=ansible_env())
    return proc.returncode, proc.stdout, proc.stderr


def listed(tmp_path, agent, **options):
    rc, out, err = inventory(tmp_path, agent, "--list", **options)
    assert rc == 0 and "Unable to parse" not in err, err
    # ansible-inventory marks unsafe values so that its output, read back, stays unsafe
    return json.loads(out, object_hook=lambda value: value.get("__ansible_unsafe", value))


def members(inventory_list, group):
    return sorted(inventory_list.get(group, {}).get("hosts", []))


def test_hosts_grouped_by_service_tag_and_datacenter_with_their_services(tmp_path, catalog):
    found = listed(tmp_path, catalog, services=SERVICES)
    assert members(found, "service_inv_web") == ["inv-a", "inv-b"]
    assert members(found, "service_inv_api") == ["inv-b", "inv-c"]
    assert members(found, "tag_v2") == ["inv-a"] and members(found, "tag_x_y") == ["inv-c"]
    assert members(found, "dc_dc1") == ["inv-a", "inv-b", "inv-c"]
    host_b = found["_meta"]["hostvars"]["inv-b"]
    assert host_b["ansible_host"] == "127.0.0.62" and host_b["consul_catalog"]["node_meta"] == {"rack": "r2"}
    assert host_b["consul_catalog"]["datacenter"] == "dc1"
    assert host_b["consul_catalog"]["services"]["inv-web"] == [
        dict(id="inv-web", address="127.0.0.62", port=8000, tags=["rails"], meta={}, health="critical")]
    assert host_b["consul_catalog"]["services"]["inv-api"][0]["health"] == "passing"


def test_a_node_name_that_is_no_host_name_is_left_out_with_a_warning(tmp_path, catalog):
    rc, out, err = inventory(tmp_path, catalog, "--list", services=SERVICES)
    assert rc == 0 and "inv d;x" not in out
    assert "left out node 'inv d;x'" in " ".join(err.split())


def test_filters_passing_only_tags_node_meta(tmp_path, catalog):
    found = listed(tmp_path, catalog, services=SERVICES, passing_only=True)
    assert members(found, "service_inv_web") == ["inv-a"] and members(found, "service_inv_api") == ["inv-b", "inv-c"]
    found = listed(tmp_path, catalog, services=SERVICES, tags=["rails"])
    assert sorted(found["_meta"]["hostvars"]) == ["inv-a", "inv-b"]
    found = listed(tmp_path, catalog, services=SERVICES, node_meta={"rack": "r1"})
    assert sorted(found["_meta"]["hostvars"]) == ["inv-a"]


def test_keyed_groups_compose_and_the_graph(tmp_path, catalog):
    options = dict(services=SERVICES, keyed_groups=[dict(key="consul_catalog.node_meta.rack | default('none')", prefix="rack")],
                   compose=dict(web_port="consul_catalog.services['inv-web'][0].port | default(0)"),
                   groups=dict(healthy_web="consul_catalog.services['inv-web'] | default([]) | selectattr('health', 'eq', 'passing') | length > 0"))
    found = listed(tmp_path, catalog, **options)
    assert members(found, "rack_r1") == ["inv-a"] and members(found, "rack_none") == ["inv-c"]
    assert members(found, "healthy_web") == ["inv-a"]
    assert int(found["_meta"]["hostvars"]["inv-a"]["web_port"]) == 8000   # a string before ansible-core 2.19
    rc, graph, _err = inventory(tmp_path, catalog, "--graph", **options)
    assert rc == 0 and "@service_inv_web:" in graph and "--inv-a" in graph


def test_values_from_consul_are_never_templated(tmp_path, catalog):
    # End to end, this fails without the plugin's wrap_var only before ansible-core 2.19 (the oldest
    # versions' run, tests/compat.sh): 2.19 never trusts data decoded from Consul's JSON as a template,
    # marked or not. The marking itself is proven on every version by
    # tests/unit/plugins/inventory/test_consul_inventory.py (values given trusted, set never to be run).
    path = tmp_path / "consul.yml"
    path.write_text(yaml.safe_dump(dict(plugin="discovery.consul_dns.consul", services=SERVICES, **catalog.connection())))
    proc = subprocess.run([os.path.join(VENV_BIN, "ansible"), "-i", str(path), "inv-c", "-c", "local", "-m", "ansible.builtin.debug",
                           "-a", "msg={{ consul_catalog.node_meta.note }}"], capture_output=True, text=True, check=False, env=ansible_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "lookup('ansible.builtin.pipe', 'echo INJECTED')" in proc.stdout and "\"INJECTED\"" not in proc.stdout


def test_the_cache_answers_until_it_expires(tmp_path, catalog):
    options = dict(services=["inv-cached"], cache=True, cache_plugin="ansible.builtin.jsonfile",
                   cache_connection=str(tmp_path / "cache"), cache_timeout=3)
    catalog.api("PUT", "/v1/catalog/register", json=dict(Node="inv-cached", Address="127.0.0.65",
                                                         Service=dict(ID="inv-cached", Service="inv-cached")))
    try:
        assert members(listed(tmp_path, catalog, **options), "service_inv_cached") == ["inv-cached"]
    finally:
        catalog.api("PUT", "/v1/catalog/deregister", json=dict(Node="inv-cached"))
    assert members(listed(tmp_path, catalog, **options), "service_inv_cached") == ["inv-cached"]   # from the cache
    time.sleep(3.5)
    assert members(listed(tmp_path, catalog, **options), "service_inv_cached") == []


def test_unreachable_agent_is_named(tmp_path, catalog):
    rc, out, err = inventory(tmp_path, catalog, "--list", port=1)
    assert "cannot reach the Consul agent at http://127.0.0.1:1" in " ".join(err.split())


@pytest.fixture(scope="module")
def acl_catalog(acl_agent):
    register_nodes(acl_agent)
    policy = acl_agent.api("PUT", "/v1/acl/policy", json=dict(
        Name="inventory-read", Rules='node_prefix "" { policy = "read" }\nservice_prefix "" { policy = "read" }'))
    token = acl_agent.api("PUT", "/v1/acl/token", json=dict(Description="inventory", Policies=[{"ID": policy["ID"]}]))
    yield acl_agent, token["SecretID"]
    deregister_nodes(acl_agent)
    acl_agent.api("DELETE", "/v1/acl/token/" + token["AccessorID"])
    acl_agent.api("DELETE", "/v1/acl/policy/" + policy["ID"])


def test_acl_a_read_token_sees_the_catalog_and_no_token_sees_nothing(tmp_path, acl_catalog):
    agent, read_token = acl_catalog
    found = listed(tmp_path, agent, services=SERVICES, token=read_token)
    assert members(found, "service_inv_web") == ["inv-a", "inv-b"]
    found = listed(tmp_path, agent, services=SERVICES, token="")
    assert found["_meta"]["hostvars"] == {}
