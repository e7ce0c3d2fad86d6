import pytest

from ansible_collections.discovery.consul_dns.plugins.lookup import consul_backends as cb
from ansible_collections.discovery.consul_dns.plugins.module_utils.dns_resolver import parse_srv_target


@pytest.mark.parametrize("target,domain,expected", [
    ("web1.node.bj.zhangeamon.com.", "zhangeamon.com", ("web1", "bj")),
    ("0a015854.addr.bj.zhangeamon.com.", "zhangeamon.com.", (None, "bj")),
    ("my.dotted.node.dc1.consul.", "consul", ("my.dotted", "dc1")),
    ("something.else.example.", "consul", (None, None)),
])
def test_parse_srv_target(target, domain, expected):
    assert parse_srv_target(target, domain) == expected


def test_backend_falls_back_to_the_node_address():
    entry = {"Node": {"Node": "n1", "Address": "10.0.0.1", "Datacenter": "bj"},
             "Service": {"Address": "", "Port": 8000, "Tags": None, "Meta": None}, "Checks": []}
    assert cb.backend_from_health_entry(entry) == dict(node="n1", address="10.0.0.1", port=8000, tags=[], meta={},
                                                       datacenter="bj")


def test_formats_and_orders():
    backends = [dict(address="fd00::2", port=80), dict(address="10.0.0.9", port=81), dict(address="10.0.0.10", port=None)]
    ordered = cb.LookupModule._ordered(backends, "sorted")
    assert [b["address"] for b in ordered] == ["10.0.0.10", "10.0.0.9", "fd00::2"]
    assert cb.LookupModule._formatted(backends[0], "address_port") == "[fd00::2]:80"
    assert cb.LookupModule._formatted(backends[1], "address") == "10.0.0.9"
    assert cb.LookupModule._ordered(backends, "consul") is backends


def test_shuffle_uses_random_and_keeps_every_backend(monkeypatch):
    backends = [dict(address="10.0.0.%d" % i, port=80) for i in range(5)]
    monkeypatch.setattr(cb.random, "shuffle", lambda items: items.reverse())
    shuffled = cb.LookupModule._ordered(backends, "shuffle")
    assert shuffled == backends[::-1] and shuffled is not backends


def test_only_instances_with_an_ip_address_are_kept(monkeypatch):
    warnings = []
    monkeypatch.setattr(cb.display, "warning", warnings.append)
    hostile = "6.6.6.6 www.bank.example\n6.6.6.7"
    entry = {"Node": {"Node": "n1", "Address": "10.0.0.1"}, "Service": {"ID": "evil", "Address": hostile}}
    assert cb.has_ip_address(entry, "web") is False
    assert warnings == ["consul_backends: dropped instance 'evil' of service 'web' on node 'n1': its address %r"
                        " is not an IP address" % hostile]
    assert cb.has_ip_address(dict(entry, Service={"ID": "ok", "Address": ""}), "web") is True
    assert cb.has_ip_address(dict(entry, Service={"ID": "ok", "Address": "fd00::1"}), "web") is True


def run_lookup(monkeypatch, entries, **options):
    """The lookup's run() over these /v1/health/service entries (its options set directly: the
    plugin loader needs a configured collection finder)."""
    class Client:
        def __init__(self, connection):
            pass

        def service_instances(self, service, **query):
            return entries

    monkeypatch.setattr(cb, "ConsulClient", Client)
    monkeypatch.setattr(cb, "HAS_CONSUL", True)
    values = dict(via="http", tag=[], near=None, node_meta={}, passing=True, format="address", order="consul",
                  dns_server="127.0.0.1", dns_port=53, domain="consul", default=None, by_service=False)
    values.update(options)
    lookup = cb.LookupModule()
    lookup.set_options = lambda var_options=None, direct=None: None
    lookup.get_option = values.get
    return lookup.run(["web"], {})


@pytest.mark.parametrize("hostile", ["fe80::1%x\n6.6.6.6 www.bank.example", "10.0.0.1\n", "010.1.1.1", "fe80::1%eth0"])
def test_a_near_address_is_dropped_and_the_rest_comes_back_canonical(monkeypatch, hostile):
    warnings = []
    monkeypatch.setattr(cb.display, "warning", warnings.append)
    entries = [{"Node": {"Node": "n1", "Address": "10.0.0.1"}, "Service": {"ID": "ok", "Address": "FD00::0001", "Port": 80}},
               {"Node": {"Node": "n2", "Address": "10.0.0.2"}, "Service": {"ID": "evil", "Address": hostile, "Port": 80}}]
    assert run_lookup(monkeypatch, entries, format="address_port") == ["[fd00::1]:80"]
    assert warnings == ["consul_backends: dropped instance 'evil' of service 'web' on node 'n2': its address %r"
                        " is not an IP address" % hostile]


def test_addresses_from_dns_are_checked_too(monkeypatch):
    warnings = []
    monkeypatch.setattr(cb.display, "warning", warnings.append)
    backends = [dict(node="n1", address="FD00::0001"), dict(node=None, address="fe80::1%x\n6.6.6.6")]
    assert [b for b in backends if cb.canonical_address(b, "web")] == [dict(node="n1", address="fd00::1")]
    assert len(warnings) == 1 and "'fe80::1%x\\n6.6.6.6'" in warnings[0]
