"""consul_prepared_query against a real Consul 1.8.7 agent: <name>.query.<domain> follows health."""

import dns.message
import dns.query
import dns.rdatatype
import pytest

from conftest import wait_for
from harness import run_module


def query_dns(agent, name, rdtype=dns.rdatatype.A):
    reply = dns.query.udp(dns.message.make_query(name, rdtype), "127.0.0.1", port=agent.ports["dns"], timeout=2)
    return reply


def addresses(agent, name):
    return sorted(item.address for rrset in query_dns(agent, name).answer if rrset.rdtype == dns.rdatatype.A
                  for item in rrset)


def test_prepared_query_lifecycle_and_dns(agent):
    conn = agent.connection()
    for sid, address, status, tags in (("pq-1", "127.0.0.71", "passing", ["blue"]),
                                       ("pq-2", "127.0.0.72", "passing", ["green"]),
                                       ("pq-3", "127.0.0.73", "critical", ["blue"])):
        agent.api("PUT", "/v1/agent/service/register", json=dict(
            ID=sid, Name="it-pq", Address=address, Tags=tags, Check=dict(CheckID="ttl:" + sid, TTL="10m", Status=status)))
    try:
        args = dict(conn, name="it-www", service="it-pq", dns_ttl="10s")
        assert run_module("consul_prepared_query", args, check=True)["changed"] is True
        assert agent.api("GET", "/v1/query") == []
        created = run_module("consul_prepared_query", args)
        assert created["changed"] is True and created["query_id"]
        assert run_module("consul_prepared_query", dict(args, dns_ttl="10000ms"))["changed"] is False

        # the name answers only the healthy instances, with the query's TTL
        wait_for(lambda: addresses(agent, "it-www.query.consul") == ["127.0.0.71", "127.0.0.72"], what="query answers")
        assert {rrset.ttl for rrset in query_dns(agent, "it-www.query.consul").answer} == {10}

        # it follows health
        agent.api("PUT", "/v1/agent/check/fail/ttl:pq-2")
        wait_for(lambda: addresses(agent, "it-www.query.consul") == ["127.0.0.71"], what="pq-2 to leave")
        agent.api("PUT", "/v1/agent/check/pass/ttl:pq-2")

        # one changed field: reported in the diff, applied, then unchanged
        tagged = dict(args, tags=["blue"], failover_datacenters=["dc2"], failover_nearest_n=2)
        result = run_module("consul_prepared_query", tagged, check=True, diff=True)
        assert result["changed"] is True and result["diff"]["after"]["Service"]["Tags"] == ["blue"]
        result = run_module("consul_prepared_query", tagged)
        assert result["changed"] is True and result["query_id"] == created["query_id"]
        assert run_module("consul_prepared_query", tagged)["changed"] is False
        assert addresses(agent, "it-www.query.consul") == ["127.0.0.71"]

        absent = dict(conn, name="it-www", state="absent")
        assert run_module("consul_prepared_query", absent)["changed"] is True
        assert run_module("consul_prepared_query", absent)["changed"] is False
        assert agent.api("GET", "/v1/query") == []
    finally:
        for sid in ("pq-1", "pq-2", "pq-3"):
            agent.api("PUT", "/v1/agent/service/deregister/" + sid)


def test_prepared_query_refuses_bad_input(agent):
    before = agent.api("GET", "/v1/query")
    result = run_module("consul_prepared_query", dict(agent.connection(), name="it-bad", service="x", dns_ttl="10"))
    assert result.get("failed") and "dns_ttl: '10' has no unit" in result["msg"]
    result = run_module("consul_prepared_query", dict(agent.connection(), name="it-bad"))
    assert result.get("failed") and "service" in result["msg"]
    assert agent.api("GET", "/v1/query") == before


def test_prepared_query_needs_query_write_under_acls(acl_agent):
    conn = acl_agent.connection()
    conn.pop("token")
    result = run_module("consul_prepared_query", dict(conn, name="it-acl-q", service="web"))
    assert result.get("failed") and "HTTP 403" in result["msg"], result


# option -> (a value, another value, where Consul's definition holds it): each is sent, read back from
# the agent as written, and compared (the same task again changes nothing, another value updates it)
OPTIONS = {
    "near": ("_agent", "_ip", lambda service: service["Near"]),
    "failover_nearest_n": (2, 3, lambda service: service["Failover"]["NearestN"]),
    "failover_datacenters": (["dc2", "dc3"], ["dc3"], lambda service: service["Failover"]["Datacenters"]),
    "node_meta": ({"rack": "r1"}, {"rack": "r2"}, lambda service: service["NodeMeta"]),
    "service_meta": ({"version": "2"}, {"version": "3"}, lambda service: service["ServiceMeta"]),
    "ignore_check_ids": (["it-flaky"], ["it-flaky", "it-disk"], lambda service: service["IgnoreCheckIDs"]),
}


def stored_query(agent, name):
    return next(query for query in agent.api("GET", "/v1/query") if query["Name"] == name)


@pytest.mark.parametrize("option", sorted(OPTIONS))
def test_each_query_option_is_stored_by_consul_and_compared(agent, option):
    value, other, field = OPTIONS[option]
    name = "it-opt-" + option.replace("_", "-")
    args = dict(agent.connection(), name=name, service="it-opt")
    try:
        created = run_module("consul_prepared_query", dict(args, **{option: value}))
        assert created["changed"] is True
        assert field(stored_query(agent, name)["Service"]) == value
        # what Consul answers compares equal to what was declared
        assert run_module("consul_prepared_query", dict(args, **{option: value}))["changed"] is False
        updated = run_module("consul_prepared_query", dict(args, **{option: other}))
        assert updated["changed"] is True and updated["query_id"] == created["query_id"]
        assert field(stored_query(agent, name)["Service"]) == other
    finally:
        run_module("consul_prepared_query", dict(agent.connection(), name=name, state="absent"))


# nodes of the catalog (not agents): node, address, node meta, service meta, checks of its instance
FILTER_NODES = [
    ("it-pqf-a", "127.0.0.81", {"rack": "r1"}, {"version": "1"}, [("it-pqf-a-up", "passing")]),
    ("it-pqf-b", "127.0.0.82", {"rack": "r2"}, {"version": "2"}, [("it-pqf-b-up", "passing")]),
    ("it-pqf-c", "127.0.0.83", {"rack": "r1"}, {"version": "2"}, [("it-pqf-c-up", "passing")]),
    # healthy but for one check the query may be told to ignore
    ("it-pqf-d", "127.0.0.84", {"rack": "r3"}, {"version": "1"}, [("it-pqf-d-up", "passing"), ("it-flaky", "critical")]),
]


# what the query answers without a filter: a, b and c (d has a critical check)
UNFILTERED = ["127.0.0.81", "127.0.0.82", "127.0.0.83"]


@pytest.fixture
def filter_nodes(agent):
    for node, address, node_meta, service_meta, checks in FILTER_NODES:
        agent.api("PUT", "/v1/catalog/register", json=dict(
            Node=node, Address=address, NodeMeta=node_meta,
            Service=dict(ID="it-pqf", Service="it-pqf", Meta=service_meta),
            Checks=[dict(CheckID=check_id, Name=check_id, Status=status, ServiceID="it-pqf") for check_id, status in checks]))
    yield agent
    for node, *_rest in FILTER_NODES:
        agent.api("PUT", "/v1/catalog/deregister", json=dict(Node=node))
    run_module("consul_prepared_query", dict(agent.connection(), name="it-filtered", state="absent"))


@pytest.mark.parametrize("option,value,answers", [
    ("node_meta", {"rack": "r1"}, ["127.0.0.81", "127.0.0.83"]),
    ("service_meta", {"version": "2"}, ["127.0.0.82", "127.0.0.83"]),
    # it-pqf-d's only failing check is ignored: the instance counts as healthy
    ("ignore_check_ids", ["it-flaky"], ["127.0.0.81", "127.0.0.82", "127.0.0.83", "127.0.0.84"]),
], ids=["node_meta", "service_meta", "ignore_check_ids"])
def test_the_query_filters_its_dns_answer(filter_nodes, option, value, answers):
    agent = filter_nodes
    args = dict(agent.connection(), name="it-filtered", service="it-pqf")
    # from a query without the option to one with it: the update reaches Consul's answer
    assert run_module("consul_prepared_query", args)["changed"] is True
    wait_for(lambda: addresses(agent, "it-filtered.query.consul") == UNFILTERED, what="the unfiltered answer")
    assert run_module("consul_prepared_query", dict(args, **{option: value}))["changed"] is True
    wait_for(lambda: addresses(agent, "it-filtered.query.consul") == answers, what="the answer %s" % answers)
    assert run_module("consul_prepared_query", dict(args, **{option: value}))["changed"] is False
