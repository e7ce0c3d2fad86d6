"""consul_backends against a real Consul 1.8.7 agent, over HTTP and DNS."""

import os

import pytest

from conftest import wait_for
from harness import REPO, run_module, run_playbook

INSTANCES = [
    # id, address, port, tags, status
    ("lb-p1", "127.0.0.51", 81, ["a", "b"], "passing"),
    ("lb-p2", "", 82, ["a"], "passing"),          # no address of its own: the node's (127.0.0.1)
    ("lb-w", "127.0.0.53", 83, ["b"], "warning"),
    ("lb-c", "127.0.0.54", 84, ["a", "b"], "critical"),
]


@pytest.fixture(scope="module")
def backends(agent):
    for sid, address, port, tags, status in INSTANCES:
        agent.api("PUT", "/v1/agent/service/register", json=dict(
            ID=sid, Name="it-lb", Address=address, Port=port, Tags=tags, Meta={"id": sid},
            Check=dict(CheckID="ttl:" + sid, TTL="10m", Status=status)))
    wait_for(lambda: len(agent.api("GET", "/v1/health/service/it-lb?passing=1") or []) == 2, what="two passing")
    yield agent
    for sid, *_rest in INSTANCES:
        agent.api("PUT", "/v1/agent/service/deregister/" + sid)


def lookup(agent, terms, **options):
    connection = dict(agent.connection())
    if options.get("via") == "dns":
        options.setdefault("dns_server", "127.0.0.1")
        options.setdefault("dns_port", agent.ports["dns"])
    options = dict(connection, **options)
    result = run_module(
        "ansible.builtin.debug",
        dict(msg="{{ query('discovery.consul_dns.consul_backends', *lookup_terms, **lookup_options) }}"),
        extra_vars=dict(lookup_terms=terms, lookup_options=options),
    )
    if result.get("failed"):
        raise LookupFailed(result["msg"])
    # ansible-core 2.19 returns a lookup's warnings with the task result, older ones print them
    printed = [" ".join(result.stderr.split())] if "[WARNING]" in result.stderr else []
    return result["msg"], result.get("warnings", []) + printed


class LookupFailed(Exception):
    pass


@pytest.mark.parametrize("via", ["http", "dns"])
def test_passing_instances_only_and_node_address_fallback(backends, via):
    found, _w = lookup(backends, ["it-lb"], via=via, order="sorted")
    assert found == ["127.0.0.1", "127.0.0.51"]
    found, _w = lookup(backends, ["it-lb"], via=via, order="sorted", format="address_port")
    assert found == ["127.0.0.1:82", "127.0.0.51:81"]


def test_dns_returns_every_backend_of_a_large_service(agent):
    """Consul cuts UDP answers to udp_answer_limit (10 here) without the truncation flag."""
    for i in range(30):
        agent.api("PUT", "/v1/agent/service/register",
                  json=dict(ID="it-big-%d" % i, Name="it-big", Address="127.0.4.%d" % (i + 1), Port=80))
    try:
        found, _w = lookup(agent, ["it-big"], via="dns", format="address_port")
        assert len(found) == 30
    finally:
        for i in range(30):
            agent.api("PUT", "/v1/agent/service/deregister/it-big-%d" % i)


def test_both_modes_return_the_same_healthy_set_and_shape(backends):
    http, _w = lookup(backends, ["it-lb"], via="http", format="dict", order="sorted")
    dns_, _w = lookup(backends, ["it-lb"], via="dns", format="dict", order="sorted")
    assert [(b["address"], b["port"], b["datacenter"]) for b in http] == \
        [(b["address"], b["port"], b["datacenter"]) for b in dns_]
    assert all(set(b) == {"node", "address", "port", "tags", "meta", "datacenter"} for b in http + dns_)
    assert http[1] == dict(node=backends.name, address="127.0.0.51", port=81, tags=["a", "b"],
                           meta={"id": "lb-p1"}, datacenter="dc1")
    assert dns_[0]["node"] == backends.name  # an instance without an address of its own names its node


def test_passing_false_adds_warning_never_critical(backends):
    found, _w = lookup(backends, ["it-lb"], passing=False, order="sorted")
    assert found == ["127.0.0.1", "127.0.0.51", "127.0.0.53"]


@pytest.mark.parametrize("via", ["http", "dns"])
def test_tag_filters(backends, via):
    found, _w = lookup(backends, ["it-lb"], via=via, tag=["b"], order="sorted")
    assert found == ["127.0.0.51"]
    found, _w = lookup(backends, ["it-lb"], via=via, tag="a", order="sorted")
    assert found == ["127.0.0.1", "127.0.0.51"]


def test_all_tags_must_match(backends):
    assert lookup(backends, ["it-lb"], tag=["a", "b"])[0] == ["127.0.0.51"]
    with pytest.raises(LookupFailed, match="via=dns takes at most one tag"):
        lookup(backends, ["it-lb"], via="dns", tag=["a", "b"])


@pytest.fixture(scope="module")
def racks(agent):
    """Service it-rack: one instance on the agent's own node, three on nodes of the catalog alone,
    on racks r1 and r2 (node meta). Network coordinates are given (a lone agent measures none):
    the farther a node's name sorts, the nearer it is to the agent."""
    agent.api("PUT", "/v1/agent/service/register", json=dict(ID="it-rack-0", Name="it-rack", Address="127.0.0.60", Port=80))
    far = {"it-far-1": ("127.0.0.61", "r1", 0.1), "it-far-2": ("127.0.0.62", "r2", 0.01), "it-far-3": ("127.0.0.63", "r2", 0.001)}
    for node, (address, rack, _distance) in far.items():
        agent.api("PUT", "/v1/catalog/register", json=dict(
            Node=node, Address=address, NodeMeta={"rack": rack},
            Service=dict(ID="it-rack-" + node, Service="it-rack", Address=address, Port=80),
            Check=dict(CheckID="alive:" + node, Name="alive", Status="passing", ServiceID="it-rack-" + node)))
    distances = dict((node, distance) for node, (_a, _r, distance) in far.items())
    distances[agent.name] = 0.0
    for node, distance in distances.items():
        agent.api("PUT", "/v1/coordinate/update", json=dict(
            Node=node, Coord=dict(Vec=[distance] + [0.0] * 7, Error=0.1, Adjustment=0.0, Height=0.00001)))
    wait_for(lambda: len(agent.api("GET", "/v1/health/service/it-rack?passing=1") or []) == 4
             and len(agent.api("GET", "/v1/coordinate/nodes") or []) == 4, what="four passing, four coordinates", timeout=30)
    yield agent
    agent.api("PUT", "/v1/agent/service/deregister/it-rack-0")
    for node in far:
        agent.api("PUT", "/v1/catalog/deregister", json=dict(Node=node))


def lookups(agent, times, terms, **options):
    """The lookup `times` over in one Ansible run: what varies between calls and what does not."""
    call = "query('discovery.consul_dns.consul_backends', *lookup_terms, **lookup_options)"
    result = run_module("ansible.builtin.debug", dict(msg="{{ [%s] }}" % ", ".join([call] * times)),
                        extra_vars=dict(lookup_terms=terms, lookup_options=dict(agent.connection(), **options)))
    assert not result.get("failed"), result
    return result["msg"]


def test_near_sorts_by_distance_from_the_agent(racks):
    """Without near, Consul's order is by node name."""
    assert lookup(racks, ["it-rack"], near="_agent")[0] == ["127.0.0.60", "127.0.0.63", "127.0.0.62", "127.0.0.61"]
    assert lookup(racks, ["it-rack"])[0] == ["127.0.0.61", "127.0.0.62", "127.0.0.63", "127.0.0.60"]


def test_node_meta_keeps_the_nodes_that_match(racks):
    assert sorted(lookup(racks, ["it-rack"], node_meta={"rack": "r2"})[0]) == ["127.0.0.62", "127.0.0.63"]
    assert lookup(racks, ["it-rack"], node_meta={"rack": "r1"})[0] == ["127.0.0.61"]
    assert lookup(racks, ["it-rack"], node_meta={"rack": "none"})[0] == []
    with pytest.raises(LookupFailed, match="near is only available with via=http"):
        lookup(racks, ["it-rack"], via="dns", near="_agent")


def test_orders(racks):
    """sorted: one order every time; shuffle: the same backends, in more than one order."""
    every_sorted = lookups(racks, 12, ["it-rack"], order="sorted")
    assert every_sorted == [["127.0.0.60", "127.0.0.61", "127.0.0.62", "127.0.0.63"]] * 12
    shuffled = lookups(racks, 12, ["it-rack"], order="shuffle")
    assert all(sorted(found) == every_sorted[0] for found in shuffled)
    assert len(set(tuple(found) for found in shuffled)) > 1, shuffled


def test_datacenter(backends):
    assert sorted(lookup(backends, ["it-lb"], datacenter="dc1")[0]) == ["127.0.0.1", "127.0.0.51"]
    with pytest.raises(LookupFailed, match="No path to datacenter"):
        lookup(backends, ["it-lb"], datacenter="nowhere")


def test_several_terms_flat_or_by_service_and_default(backends):
    found, _w = lookup(backends, ["it-lb", "it-none"], order="sorted")
    assert found == ["127.0.0.1", "127.0.0.51"]
    found, _w = lookup(backends, ["it-lb", "it-none"], order="sorted", by_service=True, default=["fallback:1"])
    assert found == [{"it-lb": ["127.0.0.1", "127.0.0.51"], "it-none": ["fallback:1"]}]


@pytest.mark.parametrize("via", ["http", "dns"])
def test_unreachable_consul_fails_clearly_and_follows_ansibles_errors_keyword(via):
    options = dict(host="127.0.0.1", port=1, request_timeout=1, via=via, dns_server="127.0.0.1", dns_port=1)
    fake = type("Unreachable", (), dict(connection=lambda self: {}, ports={"dns": 1}))()
    with pytest.raises(LookupFailed) as err:
        lookup(fake, ["web"], **options)
    assert ("cannot reach the Consul agent at http://127.0.0.1:1" if via == "http" else "no DNS answer for web.service.consul.") \
        in str(err.value)
    found, warnings = lookup(fake, ["web"], errors="warn", **options)
    assert found == [] and any("consul_backends: " in w for w in warnings), warnings
    found, warnings = lookup(fake, ["web"], errors="ignore", **options)
    assert found == [] and not warnings


def test_health_change_is_followed(backends):
    backends.api("PUT", "/v1/agent/check/fail/ttl:lb-p1")
    try:
        wait_for(lambda: lookup(backends, ["it-lb"])[0] == ["127.0.0.1"], what="lb-p1 to leave")
        wait_for(lambda: lookup(backends, ["it-lb"], via="dns")[0] == ["127.0.0.1"], what="lb-p1 to leave DNS")
    finally:
        backends.api("PUT", "/v1/agent/check/pass/ttl:lb-p1")
    wait_for(lambda: len(lookup(backends, ["it-lb"])[0]) == 2, what="lb-p1 to return")


def test_nginx_upstream_template_renders_only_healthy_backends(backends, tmp_path):
    playbook = os.path.join(REPO, "tests", "integration", "playbooks", "nginx_upstream.yml")
    dest = tmp_path / "upstream.conf"
    rc, output, _stats = run_playbook(playbook, dict(dest=str(dest), consul=backends.connection()))
    assert rc == 0, output
    assert dest.read_text() == "upstream it-lb {\n    server 127.0.0.1:82;\n    server 127.0.0.51:81;\n}\n"


def test_an_address_that_is_not_an_ip_is_dropped_naming_the_instance(backends):
    """Consul accepts any string as a service address; a template fed by the lookup must not."""
    hostile = "6.6.6.6 www.bank.example\n6.6.6.7"
    backends.api("PUT", "/v1/agent/service/register", json=dict(ID="lb-evil", Name="it-lb", Address=hostile, Port=80))
    try:
        wait_for(lambda: len(backends.api("GET", "/v1/health/service/it-lb?passing=1") or []) == 3, what="three passing")
        result = run_module(
            "ansible.builtin.debug", dict(msg="{{ query('discovery.consul_dns.consul_backends', 'it-lb', **lookup_options) }}"),
            extra_vars=dict(lookup_options=dict(backends.connection(), order="sorted")))
        assert result["msg"] == ["127.0.0.1", "127.0.0.51"]
        warned = result.stderr + " ".join(result.get("warnings", []))
        assert "dropped instance 'lb-evil' of service 'it-lb'" in warned, warned
    finally:
        backends.api("PUT", "/v1/agent/service/deregister/lb-evil")


def test_over_tls_with_a_client_certificate(tls_agent):
    tls_agent.api("PUT", "/v1/agent/service/register", json=dict(ID="it-tls-lb", Name="it-tls-lb", Address="127.0.0.70"))
    try:
        assert lookup(tls_agent, ["it-tls-lb"])[0] == ["127.0.0.70"]
        with pytest.raises(LookupFailed, match="refused the TLS handshake"):
            lookup(tls_agent, ["it-tls-lb"], client_cert=None, client_key=None)
    finally:
        tls_agent.api("PUT", "/v1/agent/service/deregister/it-tls-lb")


def test_with_an_acl_token(acl_agent):
    """Under default deny, a read without a token sees no instance at all (Consul filters, it does
    not refuse): the token given is the one used."""
    acl_agent.api("PUT", "/v1/agent/service/register", json=dict(ID="it-acl-lb", Name="it-acl-lb", Address="127.0.0.71"))
    try:
        assert lookup(acl_agent, ["it-acl-lb"])[0] == ["127.0.0.71"]
        assert lookup(acl_agent, ["it-acl-lb"], token=None)[0] == []
    finally:
        acl_agent.api("PUT", "/v1/agent/service/deregister/it-acl-lb")
