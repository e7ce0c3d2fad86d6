"""consul_check against a real Consul 1.8.7 agent: every check type, its whole lifecycle."""

import threading
import time

import pytest

from conftest import wait_for
from harness import run_module


def check_cases(listener, agent):
    """name -> (options, expected health, what its Output says once it ran). Every check starts
    critical, so a critical one counts only once its Output shows it ran and why it failed."""
    return {
        "tcp": (dict(tcp="127.0.0.1:%d" % listener.port, interval="1s", timeout="1s"), "passing", "Success"),
        "tcp-closed": (dict(tcp="127.0.0.1:1", interval="1s", timeout="1s"), "critical", "connection refused"),
        "http": (dict(http="http://127.0.0.1:%d/health" % listener.port, method="post", body="ping",
                      header={"X-Probe": "consul", "Accept": ["text/plain", "*/*"]}, interval="1s"), "passing",
                 "HTTP POST"),
        "http-closed": (dict(http="http://127.0.0.1:1/", interval="1s", tls_skip_verify=True), "critical",
                        "connection refused"),
        "grpc": (dict(grpc="127.0.0.1:1/health", grpc_use_tls=True, tls_skip_verify=True, interval="1s"), "critical",
                 "connection refused"),
        "script": (dict(args=["/bin/sh", "-c", "echo all well"], interval="1s", timeout="2s"), "passing", "all well"),
        "script-failing": (dict(args=["/bin/sh", "-c", "echo backend down; exit 2"], interval="1s"), "critical",
                           "backend down"),
        "ttl": (dict(ttl="30s", status="passing"), "passing", ""),
        # a service without checks is healthy, and so is its alias (on an agent of its own: an alias
        # also mirrors the node's checks, and the shared agent carries other tests' critical ones),
        # bound to another service: a node-level alias would mirror the node's checks, itself included
        "alias": (dict(alias_service="it-alias-target", service_id="it-alias-owner"), "passing", "No checks found"),
        "docker": (dict(docker_container_id="no-such-container", args=["true"], shell="/bin/sh", interval="5s"),
                   "critical", "docker"),
    }


CASES = ["tcp", "tcp-closed", "http", "http-closed", "grpc", "script", "script-failing", "ttl", "alias", "docker"]
TYPES = {"tcp-closed": "tcp", "http-closed": "http", "script-failing": "script"}
# Consul 1.8.7 on a busy machine loses a new local alias check's first update now and then (1 in
# ~250 registrations under load here, once in CI); its own refresh sets it within a minute
FIRST_RESULT_WITHIN = {"alias": 65}


def agent_check(agent, check_id):
    return agent.api("GET", "/v1/agent/checks").get(check_id)


@pytest.mark.parametrize("case", CASES)
def test_check_lifecycle(request, listener, case):
    agent = request.getfixturevalue("quiet_agent" if case == "alias" else "agent")
    options, health, output = check_cases(listener, agent)[case]
    check_id = "it-check-%s" % case
    if case == "alias":
        for service in ("it-alias-target", "it-alias-owner"):
            agent.api("PUT", "/v1/agent/service/register", json=dict(ID=service, Name=service))
    args = dict(agent.connection(), check_id=check_id, name="Check %s" % case, notes="owned by the tests", **options)

    # check mode on an absent check: reports the change, registers nothing
    result = run_module("consul_check", args, check=True)
    assert result["changed"] is True, result
    assert agent_check(agent, check_id) is None

    result = run_module("consul_check", args, diff=True)
    assert result["changed"] is True, result
    assert result["diff"]["before"] == {}
    registered = agent_check(agent, check_id)
    assert registered["Type"] == TYPES.get(case, case)
    assert registered["Notes"].startswith("owned by the tests\n[consul_dns:check:")
    wait_for(lambda: agent_check(agent, check_id)["Status"] == health and output in agent_check(agent, check_id)["Output"],
             timeout=FIRST_RESULT_WITHIN.get(case, 15), what="%s to be %s, its output saying %r" % (case, health, output))

    # the same definition again, with durations written differently where there are any
    again = dict(args)
    if "interval" in again:
        again["interval"] = "%dms" % (int(again["interval"].rstrip("s")) * 1000)
    result = run_module("consul_check", again)
    assert result["changed"] is False, result

    # one changed field: check mode reports it and changes nothing, then it is applied
    changed = dict(args, notes="changed notes")
    if "interval" in changed:
        changed["interval"] = "2s"
    before = agent_check(agent, check_id)
    result = run_module("consul_check", changed, check=True, diff=True)
    assert result["changed"] is True
    assert result["diff"]["before"]["Fingerprint"] != result["diff"]["after"]["Fingerprint"]
    assert result["diff"]["after"]["Notes"] == "changed notes"
    assert agent_check(agent, check_id)["Notes"] == before["Notes"]
    result = run_module("consul_check", changed, diff=True)
    assert result["changed"] is True
    assert agent_check(agent, check_id)["Notes"].startswith("changed notes\n[consul_dns:check:")
    assert run_module("consul_check", changed)["changed"] is False

    # deregister: check mode first, then for real, then nothing left to do
    absent = dict(agent.connection(), check_id=check_id, state="absent")
    assert run_module("consul_check", absent, check=True)["changed"] is True
    assert agent_check(agent, check_id) is not None
    assert run_module("consul_check", absent)["changed"] is True
    assert agent_check(agent, check_id) is None
    assert run_module("consul_check", absent)["changed"] is False


def test_service_bound_check_and_reregistered_by_someone_else(agent, listener):
    """A check bound to a service; a foreign re-registration (no fingerprint) is detected and mended."""
    conn = agent.connection()
    assert run_module("consul_service", dict(conn, id="it-bound", name="it-bound"))["changed"] is True
    args = dict(conn, check_id="it-bound-tcp", name="TCP", service_id="it-bound",
                tcp="127.0.0.1:%d" % listener.port, interval="1s", deregister_critical_service_after="10m")
    assert run_module("consul_check", args)["changed"] is True
    assert agent_check(agent, "it-bound-tcp")["ServiceID"] == "it-bound"
    wait_for(lambda: agent.api("GET", "/v1/health/service/it-bound?passing=1"), what="the service to pass")

    agent.api("PUT", "/v1/agent/check/register",
              json=dict(ID="it-bound-tcp", Name="TCP", ServiceID="it-bound", TCP="127.0.0.1:1", Interval="1s"))
    assert run_module("consul_check", args)["changed"] is True
    assert run_module("consul_check", args)["changed"] is False

    # re-registering the service keeps the standalone check bound to it
    assert run_module("consul_service", dict(conn, id="it-bound", name="it-bound", tags=["v2"]))["changed"] is True
    assert agent_check(agent, "it-bound-tcp") is not None
    assert run_module("consul_check", args)["changed"] is False
    run_module("consul_service", dict(conn, id="it-bound", state="absent"))


def test_tls_server_name_needs_newer_consul(agent):
    """Consul 1.8 does not know TLSServerName: the refusal is clear and nothing is registered."""
    before = agent.snapshot()
    result = run_module("consul_check", dict(agent.connection(), check_id="it-sni", http="https://127.0.0.1:1/",
                                             tls_server_name="web.example", interval="5s"))
    assert result.get("failed"), result
    assert "TLSServerName" in result["msg"] and "it-sni" in result["msg"]
    assert agent.snapshot() == before


BAD_CHECKS = [
    (dict(tcp="127.0.0.1:22", http="http://127.0.0.1/", interval="1s"), "exactly one check type"),
    (dict(interval="1s"), "exactly one check type"),
    (dict(ttl="10s", interval="1s"), "interval cannot be used with ttl"),
    (dict(alias_service="web", interval="1s"), "interval cannot be used with alias"),
    (dict(tcp="127.0.0.1:22"), "interval is required for tcp"),
    (dict(http="http://127.0.0.1/"), "interval is required for http"),
    (dict(tcp="127.0.0.1:22", interval="ten seconds"), "interval: 'ten seconds' is not a duration"),
    (dict(tcp="127.0.0.1:22", interval="10"), "interval: '10' has no unit"),
    (dict(tcp="127.0.0.1:22", interval="500ms"), "interval must be at least 1s"),
    (dict(tcp="127.0.0.1:22", interval="1s", timeout="soon"), "timeout: 'soon' is not a duration"),
    (dict(ttl="0s"), "ttl must be longer than 0"),
    (dict(tcp="127.0.0.1:22", interval="1s", method="GET"), "method is only valid for http"),
    (dict(ttl="10s", timeout="1s"), "timeout is only valid for"),
    (dict(http="http://127.0.0.1/", interval="1s", grpc_use_tls=True), "grpc_use_tls is only valid for grpc"),
    (dict(docker_container_id="abc", interval="1s"), "a docker check needs args"),
    (dict(tcp="127.0.0.1:22", interval="1s", deregister_critical_service_after="1m"),
     "deregister_critical_service_after needs a check bound to a service"),
    (dict(tcp="127.0.0.1:22", interval="1s", failures_before_critical=-1), "failures_before_critical must be 0 or more"),
    (dict(tcp="127.0.0.1:22", interval="1s", service_id="no-such-service"), "service_id no-such-service"),
    (dict(tcp="127.0.0.1:22", interval="1s", status="ok"), "status"),
]


@pytest.mark.parametrize("options,message", BAD_CHECKS, ids=[m for _o, m in BAD_CHECKS])
def test_bad_check_is_refused_and_changes_nothing(agent, options, message):
    before = agent.snapshot()
    result = run_module("consul_check", dict(agent.connection(), check_id="it-bad", **options))
    assert result.get("failed"), result
    assert message in result["msg"], result["msg"]
    assert agent.snapshot() == before


def set_node_health(agent, node, status, output=""):
    """A node of the catalog (no agent of its own) whose one node-level check has ``status``."""
    agent.api("PUT", "/v1/catalog/register", json=dict(Node=node, Address="127.0.0.96", Check=dict(
        CheckID="it-node-health", Name="node health", Status=status, Output=output)))


def waking_alias_queries(agent, nodes, action):
    """``action()``'s result, the nodes' check output changed every half second meanwhile.

    Consul 1.8.7 re-registers an alias_node check only once the old one's blocking query on its node
    returns, up to a minute later (MaxQueryTime; 60 s measured, every other registration on the agent
    waiting as long): a change on the node ends the query at once."""
    done = []
    worker = threading.Thread(target=lambda: done.append(action()))
    worker.start()
    tick = 0
    while worker.is_alive():
        tick += 1
        for node, status in nodes:
            set_node_health(agent, node, status, output="tick %d" % tick)
        worker.join(0.5)
    return done[0]


def test_an_alias_node_check_follows_that_nodes_health(agent):
    owner = "it-alias-node-owner"
    # bound to a service: a node-level alias would take the shared agent's node, and every service on
    # it, out of DNS while the node it follows is critical
    agent.api("PUT", "/v1/agent/service/register", json=dict(ID=owner, Name=owner))
    for node in ("it-followed-1", "it-followed-2"):
        set_node_health(agent, node, "passing")
    args = dict(agent.connection(), check_id="it-alias-node", service_id=owner, alias_node="it-followed-1")

    def alias_status():
        return agent_check(agent, "it-alias-node")["Status"]

    try:
        assert run_module("consul_check", args)["changed"] is True
        assert agent_check(agent, "it-alias-node")["Type"] == "alias"
        assert run_module("consul_check", args)["changed"] is False
        # an alias check starts critical: passing is its first result. Consul 1.8.7 may lose that first
        # result (as for alias_service), and then waits for the node's next change: changes are made here
        wait_for(lambda: set_node_health(agent, "it-followed-1", "passing", output=str(time.time())) or
                 alias_status() == "passing", interval=0.5, what="the alias to pass")

        set_node_health(agent, "it-followed-1", "critical")
        wait_for(lambda: alias_status() == "critical", what="the alias to turn critical with its node")
        set_node_health(agent, "it-followed-1", "passing")
        wait_for(lambda: alias_status() == "passing", what="the alias to pass again with its node")

        # following another node is a change; with the first node critical, passing shows it follows the second
        set_node_health(agent, "it-followed-1", "critical")
        wait_for(lambda: alias_status() == "critical", what="the alias to turn critical with its node")
        to_node_2 = dict(args, alias_node="it-followed-2")
        ticking = [("it-followed-1", "critical"), ("it-followed-2", "passing")]
        assert waking_alias_queries(agent, ticking, lambda: run_module("consul_check", to_node_2))["changed"] is True
        # the old check's watcher of the first node may still write its last answer over the new check's
        # (Consul 1.8.7), until the second node next changes: a change on it shows the check follows it
        wait_for(lambda: set_node_health(agent, "it-followed-2", "passing", output=str(time.time())) or
                 alias_status() == "passing", interval=0.5, what="the alias of the passing node")
        assert run_module("consul_check", to_node_2)["changed"] is False
    finally:
        agent.api("PUT", "/v1/agent/service/deregister/" + owner)
        # the followed nodes stay in the catalog, passing: Consul 1.8.7 panics and exits when a node
        # leaves it while an alias check watches it, and a removed alias check keeps watching until
        # its blocking query returns (up to a minute)
        for node in ("it-followed-1", "it-followed-2"):
            set_node_health(agent, node, "passing")
