"""consul_prepared_query against a real Consul 1.8.7 agent: <name>.query.<domain> follows health."""

import dns.message
import dns.query
import dns.rdatatype

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
