"""consul_maintenance against real Consul 1.8.7 agents: service and node maintenance, waits on DNS."""

import dns.message
import dns.query
import dns.rdatatype
import pytest

from conftest import Listener, _agent, wait_for
from harness import run_module

ADDRESS = "127.0.0.41"


@pytest.fixture(scope="module")
def maint_agent():
    """An agent of its own: node maintenance makes every service on it critical."""
    yield from _agent("it-maint")


def dns_a(agent, name):
    answer = dns.query.udp(dns.message.make_query(name, dns.rdatatype.A), "127.0.0.1", port=agent.ports["dns"], timeout=2)
    return sorted(item.address for rrset in answer.answer if rrset.rdtype == dns.rdatatype.A for item in rrset)


@pytest.fixture
def healthy_service(maint_agent):
    """web-mt (ID mt1) on ADDRESS with a passing TCP check, answered by the agent's DNS."""
    backend = Listener(ADDRESS).start()
    conn = maint_agent.connection()
    run_module("consul_service", dict(conn, id="mt1", name="web-mt", address=ADDRESS,
                                      checks=[dict(tcp="%s:%d" % (ADDRESS, backend.port), interval="1s")]))
    wait_for(lambda: dns_a(maint_agent, "web-mt.service.consul") == [ADDRESS], what="web-mt to be answered")
    yield conn
    run_module("consul_maintenance", dict(conn, service_id="mt1", state="disabled"))
    run_module("consul_maintenance", dict(conn, state="disabled"))
    run_module("consul_service", dict(conn, id="mt1", state="absent"))
    backend.stop()


def test_service_maintenance_leaves_dns_and_returns_waiting_on_the_resolver(maint_agent, healthy_service):
    resolver = "127.0.0.1#%d" % maint_agent.ports["dns"]
    wait = dict(resolvers=[resolver])   # the default name: web-mt.service.consul

    would = run_module("consul_maintenance", dict(healthy_service, service_id="mt1", state="enabled"), check=True, diff=True)
    assert would["changed"] is True and would["diff"]["after"]["enabled"] is True
    assert "_service_maintenance:mt1" not in maint_agent.api("GET", "/v1/agent/checks")

    taken_out = run_module("consul_maintenance", dict(healthy_service, service_id="mt1", state="enabled", reason="deploy 42",
                                                      wait_for_dns=wait))
    assert taken_out["changed"] is True and taken_out["maintenance"] == {"enabled": True, "reason": "deploy 42"}
    assert taken_out["dns_wait"]["names"] == ["web-mt.service.consul"] and taken_out["dns_wait"]["address"] == ADDRESS
    assert dns_a(maint_agent, "web-mt.service.consul") == []   # returned only once the resolver no longer answers it
    check = maint_agent.api("GET", "/v1/agent/checks")["_service_maintenance:mt1"]
    assert (check["Status"], check["Notes"]) == ("critical", "deploy 42")

    again = run_module("consul_maintenance", dict(healthy_service, service_id="mt1", state="enabled", reason="another"))
    assert again["changed"] is False and again["maintenance"]["reason"] == "deploy 42"   # Consul keeps its reason

    back = run_module("consul_maintenance", dict(healthy_service, service_id="mt1", state="disabled", wait_for_dns=wait))
    assert back["changed"] is True and back["maintenance"] == {"enabled": False, "reason": ""}
    assert dns_a(maint_agent, "web-mt.service.consul") == [ADDRESS]
    assert run_module("consul_maintenance", dict(healthy_service, service_id="mt1", state="disabled"))["changed"] is False


def test_a_wait_that_cannot_end_fails_naming_the_resolver_and_the_name(maint_agent, healthy_service):
    """Another service on the same address stays answered: the wait times out saying so."""
    conn = healthy_service
    run_module("consul_service", dict(conn, id="mt2", name="other-mt", address=ADDRESS))
    try:
        resolver = "127.0.0.1#%d" % maint_agent.ports["dns"]
        result = run_module("consul_maintenance", dict(conn, service_id="mt1", state="enabled", wait_timeout=2,
                                                       wait_for_dns=dict(resolvers=[resolver], names=["other-mt.service.consul"])))
        assert result.get("failed") and "after 2.0s: %s still answers it for other-mt.service.consul" % resolver in result["msg"]
        assert "_service_maintenance:mt1" in maint_agent.api("GET", "/v1/agent/checks")   # left on, as asked
    finally:
        run_module("consul_service", dict(conn, id="mt2", state="absent"))


def test_node_maintenance(maint_agent, healthy_service):
    refused = run_module("consul_maintenance", dict(healthy_service, state="enabled",
                                                    wait_for_dns=dict(resolvers=["127.0.0.1"])))
    assert refused.get("failed") and "wait_for_dns.names is required" in refused["msg"]
    assert "_node_maintenance" not in maint_agent.api("GET", "/v1/agent/checks")

    resolver = "127.0.0.1#%d" % maint_agent.ports["dns"]
    node = run_module("consul_maintenance", dict(healthy_service, state="enabled", reason="kernel update",
                                                 wait_for_dns=dict(resolvers=[resolver], names=["web-mt.service.consul"],
                                                                   address=ADDRESS)))
    assert node["changed"] is True and maint_agent.api("GET", "/v1/agent/checks")["_node_maintenance"]["Notes"] == "kernel update"
    assert run_module("consul_maintenance", dict(healthy_service, state="disabled"))["changed"] is True
    wait_for(lambda: dns_a(maint_agent, "web-mt.service.consul") == [ADDRESS], what="web-mt back after node maintenance")


def test_bad_inputs_are_refused_before_anything_changes(maint_agent, healthy_service):
    bad_resolver = run_module("consul_maintenance", dict(healthy_service, service_id="mt1", state="enabled",
                                                         wait_for_dns=dict(resolvers=["10.0.0.1;rm"])))
    assert bad_resolver.get("failed") and "10.0.0.1;rm" in bad_resolver["msg"]
    unknown = run_module("consul_maintenance", dict(healthy_service, service_id="no-such-id", state="enabled"))
    assert unknown.get("failed") and "no-such-id is not registered" in unknown["msg"]
    assert "_service_maintenance:mt1" not in maint_agent.api("GET", "/v1/agent/checks")


def test_acl_agent_needs_a_token_with_service_write(acl_agent):
    conn = acl_agent.connection()
    run_module("consul_service", dict(conn, id="acl-mt", name="acl-mt", address=ADDRESS))
    try:
        anonymous = dict((key, value) for key, value in conn.items() if key != "token")
        denied = run_module("consul_maintenance", dict(anonymous, service_id="acl-mt", state="enabled"))
        assert denied.get("failed") and "HTTP 403" in denied["msg"]
        assert run_module("consul_maintenance", dict(conn, service_id="acl-mt", state="enabled"))["changed"] is True
        checks = acl_agent.api("GET", "/v1/agent/checks")
        assert checks["_service_maintenance:acl-mt"]["Status"] == "critical"
        assert run_module("consul_maintenance", dict(conn, service_id="acl-mt", state="disabled"))["changed"] is True
    finally:
        run_module("consul_service", dict(conn, id="acl-mt", state="absent"))


def test_an_instance_whose_checks_do_not_pass_stays_in_maintenance(maint_agent):
    """wait_for_checks: a backend still down after its deploy is not taken out of maintenance."""
    backend = Listener(ADDRESS).start()
    conn = maint_agent.connection()
    run_module("consul_service", dict(conn, id="mt3", name="down-mt", address=ADDRESS,
                                      checks=[dict(tcp="%s:%d" % (ADDRESS, backend.port), interval="1s")]))
    try:
        assert run_module("consul_maintenance", dict(conn, service_id="mt3", state="enabled"))["changed"] is True
        backend.stop()
        wait_for(lambda: maint_agent.api("GET", "/v1/agent/checks")["service:mt3"]["Status"] == "critical",
                 what="mt3's check to fail")
        kept = run_module("consul_maintenance", dict(conn, service_id="mt3", state="disabled", wait_for_checks=True,
                                                     wait_timeout=3))
        assert kept.get("failed") and "stays in maintenance" in kept["msg"] and "service:mt3" in kept["msg"]
        assert "_service_maintenance:mt3" in maint_agent.api("GET", "/v1/agent/checks")

        backend.start()   # the same port: registering the service again would end its maintenance
        back = run_module("consul_maintenance", dict(conn, service_id="mt3", state="disabled", wait_for_checks=True))
        assert back["changed"] is True and back["checks_wait"]["not_passing"] == []
        assert "_service_maintenance:mt3" not in maint_agent.api("GET", "/v1/agent/checks")
    finally:
        run_module("consul_maintenance", dict(conn, service_id="mt3", state="disabled"))
        run_module("consul_service", dict(conn, id="mt3", state="absent"))
        backend.stop()
