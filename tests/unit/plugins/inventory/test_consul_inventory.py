from ansible_collections.discovery.consul_dns.plugins.inventory import consul as consul_inventory
from ansible_collections.discovery.consul_dns.plugins.inventory.consul import catalog_hosts, group_name, instance_health


def node(name, address="10.0.0.1", meta=None):
    return dict(Node=name, Address=address, Datacenter="bj", Meta=meta or {})


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
