"""consul_service against a fake agent: registration and what the result shows, inline checks the new
definition drops, deregistration by ID or name, check mode, and the options it requires."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from fake_agent import FakeAgent
from module_run import run_module, with_changes

from ansible_collections.discovery.consul_dns.plugins.modules import consul_service

WEB01 = dict(id="web01", name="web", address="10.1.88.84",
             checks=[dict(check_id="ssh", tcp="10.1.88.84:22", interval="10s"),
                     dict(check_id="api", http="http://10.1.88.84/", interval="10s", header={"Authorization": "Bearer s3cret"})])


def run(monkeypatch, agent, **args):
    return run_module(monkeypatch, consul_service, agent, **args)


def test_a_service_is_registered_shown_masked_then_left_alone(monkeypatch):
    agent = FakeAgent()
    result = run(monkeypatch, agent, **WEB01)
    assert (result["changed"], result["service_id"]) == (True, "web01")
    assert agent.written() == [("register_service", "web01")]
    shown = result["service"]
    assert (shown["ID"], shown["Name"], shown["Address"]) == ("web01", "web", "10.1.88.84")
    assert [c["CheckID"] for c in shown["Checks"]] == ["ssh", "api"]
    assert shown["Checks"][1]["Header"] == {"Authorization": ["********"]}
    assert agent.calls[0][1]["Checks"][1]["Header"] == {"Authorization": ["Bearer s3cret"]}
    again = run(monkeypatch, agent, **WEB01)
    assert (again["changed"], again["service_id"], again["service"]) == (False, "web01", shown)
    assert len(agent.calls) == 1


def test_checks_the_new_definition_drops_are_removed(monkeypatch):
    agent = FakeAgent()
    run(monkeypatch, agent, **WEB01)
    del agent.calls[:]
    result = run(monkeypatch, agent, **with_changes(WEB01, checks=WEB01["checks"][:1]))
    assert result["changed"] is True
    assert agent.written() == [("register_service", "web01"), ("deregister_check", "api")]
    assert sorted(agent.checks) == ["ssh"]


@pytest.mark.parametrize("names", [dict(id="web01"), dict(id="web01", name="web"), dict(name="web01")])
def test_a_service_is_deregistered_by_its_id_or_else_its_name(monkeypatch, names):
    agent = FakeAgent()
    run(monkeypatch, agent, **WEB01)
    run(monkeypatch, agent, **with_changes(WEB01, id="web"))
    del agent.calls[:]
    result = run(monkeypatch, agent, state="absent", **names)
    assert (result["changed"], result["service_id"]) == (True, "web01")
    assert "service" not in result
    assert agent.written() == [("deregister_service", "web01")]
    assert sorted(agent.services) == ["web"]
    assert run(monkeypatch, agent, state="absent", **names)["changed"] is False
    assert len(agent.calls) == 1


def test_check_mode_reports_the_change_and_makes_none(monkeypatch):
    agent = FakeAgent()
    assert run(monkeypatch, agent, _ansible_check_mode=True, **WEB01)["changed"] is True
    run(monkeypatch, agent, **WEB01)
    del agent.calls[:]
    assert run(monkeypatch, agent, _ansible_check_mode=True, **with_changes(WEB01, checks=[]))["changed"] is True
    assert run(monkeypatch, agent, _ansible_check_mode=True, id="web01", state="absent")["changed"] is True
    assert agent.calls == [] and sorted(agent.checks) == ["api", "ssh"]


def test_a_name_given_as_a_number_is_registered_as_text(monkeypatch):
    agent = FakeAgent()
    result = run(monkeypatch, agent, name=8080)
    assert result["service_id"] == "8080" and agent.services["8080"]["Service"] == "8080"


@pytest.mark.parametrize("args,message", [
    (dict(id="web01"), "state is present but all of the following are missing: name"),
    (dict(state="absent"), "one of the following is required: name, id"),
    (dict(name="web", state="gone"), "value of state must be one of: present, absent, got: gone"),
])
def test_what_is_missing_or_unknown_is_refused_by_name(monkeypatch, args, message):
    agent = FakeAgent()
    result = run(monkeypatch, agent, **args)
    assert result["failed"] is True and message in result["msg"]
    assert agent.calls == []
