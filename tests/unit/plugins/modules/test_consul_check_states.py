"""consul_check against a fake agent: a check bound to a service (which must be registered),
deregistration by ID or name, check mode, and the options it requires."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from fake_agent import FakeAgent
from module_run import run_module, with_changes

from ansible_collections.discovery.consul_dns.plugins.modules import consul_check, consul_service

BOUND = dict(check_id="web01-alive", ttl="30s", service_id="web01", deregister_critical_service_after="90m")


def run(monkeypatch, agent, **args):
    return run_module(monkeypatch, consul_check, agent, **args)


def agent_with_web01(monkeypatch):
    agent = FakeAgent()
    run_module(monkeypatch, consul_service, agent, id="web01", name="web")
    del agent.calls[:]
    return agent


def test_a_check_bound_to_a_service_is_registered_with_it_then_left_alone(monkeypatch):
    agent = agent_with_web01(monkeypatch)
    result = run(monkeypatch, agent, **BOUND)
    assert (result["changed"], result["check_id"]) == (True, "web01-alive")
    assert result["check"] == {"CheckID": "web01-alive", "Name": "web01-alive", "TTL": "30s", "ServiceID": "web01",
                               "DeregisterCriticalServiceAfter": "1h30m0s"}
    assert agent.written() == [("register_check", "web01-alive")]
    assert agent.calls[0][1]["ServiceID"] == "web01"
    assert agent.calls[0][1]["Notes"] == "[consul_dns:%s]" % result["fingerprint"]
    assert result["fingerprint"].startswith("check:")
    again = run(monkeypatch, agent, **BOUND)
    assert (again["changed"], again["fingerprint"]) == (False, result["fingerprint"])
    assert len(agent.calls) == 1
    # the service's own registration leaves a standalone check alone
    assert run_module(monkeypatch, consul_service, agent, id="web01", name="web")["changed"] is False


def test_the_same_check_on_another_service_is_registered_again(monkeypatch):
    agent = agent_with_web01(monkeypatch)
    run_module(monkeypatch, consul_service, agent, id="web02", name="web")
    run(monkeypatch, agent, **BOUND)
    assert run(monkeypatch, agent, **with_changes(BOUND, service_id="web02"))["changed"] is True
    assert agent.checks["web01-alive"]["ServiceID"] == "web02"


def test_a_check_for_a_service_the_agent_lacks_is_refused(monkeypatch):
    agent = agent_with_web01(monkeypatch)
    result = run(monkeypatch, agent, **with_changes(BOUND, service_id="web09"))
    assert result["failed"] is True
    assert result["msg"] == "service_id web09: no such service is registered on the agent at http://127.0.0.1:8500"
    assert agent.calls == []


def test_deregister_critical_service_after_needs_a_service(monkeypatch):
    result = run(monkeypatch, FakeAgent(), check_id="c", ttl="30s", deregister_critical_service_after="90m")
    assert result["failed"] is True and "needs a check bound to a service" in result["msg"]


@pytest.mark.parametrize("names", [dict(check_id="web01-alive"), dict(check_id="web01-alive", name="Alive"),
                                   dict(name="web01-alive")])
def test_a_check_is_deregistered_by_its_id_or_else_its_name(monkeypatch, names):
    agent = agent_with_web01(monkeypatch)
    run(monkeypatch, agent, **BOUND)
    run(monkeypatch, agent, check_id="other", ttl="30s")
    del agent.calls[:]
    result = run(monkeypatch, agent, state="absent", **names)
    assert (result["changed"], result["check_id"]) == (True, "web01-alive")
    assert "check" not in result and "fingerprint" not in result
    assert agent.written() == [("deregister_check", "web01-alive")]
    assert run(monkeypatch, agent, state="absent", **names)["changed"] is False
    assert sorted(agent.checks) == ["other"]


def test_check_mode_reports_the_change_and_makes_none(monkeypatch):
    agent = agent_with_web01(monkeypatch)
    assert run(monkeypatch, agent, _ansible_check_mode=True, **BOUND)["changed"] is True
    run(monkeypatch, agent, **BOUND)
    del agent.calls[:]
    assert run(monkeypatch, agent, _ansible_check_mode=True, check_id="web01-alive", state="absent")["changed"] is True
    assert agent.calls == [] and "web01-alive" in agent.checks


@pytest.mark.parametrize("args,message", [
    (dict(ttl="30s"), "one of the following is required: check_id, name"),
    (dict(state="absent"), "one of the following is required: check_id, name"),
    (dict(check_id="c", ttl="30s", state="gone"), "value of state must be one of: present, absent, got: gone"),
])
def test_what_is_missing_or_unknown_is_refused_by_name(monkeypatch, args, message):
    agent = FakeAgent()
    result = run(monkeypatch, agent, **args)
    assert result["failed"] is True and message in result["msg"]
    assert agent.calls == []
