"""consul_check against a fake agent: a check registered under an ACL token is unchanged on the next run;
an alias_node check is registered with its node, unchanged when declared again, changed with its node."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from fake_agent import consul_type
from module_run import run_module

from ansible_collections.discovery.consul_dns.plugins.modules import consul_check


class FakeAgent(object):
    """The agent's checks as /v1/agent/checks returns them: no definition, only Notes with the fingerprint."""

    def __init__(self):
        self.checks = {}
        self.registered = []

    def agent_checks(self):
        return dict(self.checks)

    def agent_service(self, service_id):
        return {"ID": service_id}

    def register_check(self, definition):
        self.registered.append(definition)
        self.checks[definition["CheckID"]] = {
            "CheckID": definition["CheckID"], "Name": definition["Name"], "Notes": definition.get("Notes", ""),
            "Type": consul_type(definition), "ServiceID": definition.get("ServiceID", ""), "Status": "critical"}


def run(monkeypatch, agent, **args):
    return run_module(monkeypatch, consul_check, agent, **args)


@pytest.mark.parametrize("secret", [
    dict(header={"Authorization": ["Bearer s3cret"]}),
    dict(body='{"probe": "s3cret"}', method="POST"),
])
def test_a_check_with_secrets_under_a_token_is_unchanged_on_the_second_run(monkeypatch, secret):
    agent = FakeAgent()
    args = dict(check_id="web-http", http="http://127.0.0.1:8080/health", interval="10s",
                token="0f6ad2e1-0000-4000-8000-000000000001", **secret)
    first = run(monkeypatch, agent, **args)
    assert first["changed"] is True and len(agent.registered) == 1
    second = run(monkeypatch, agent, **args)
    assert "failed" not in second
    assert second["changed"] is False, "re-registered on every run: the comparison's fingerprint lost the token"
    assert len(agent.registered) == 1


def test_a_changed_secret_is_still_seen_under_the_same_token(monkeypatch):
    agent = FakeAgent()
    args = dict(check_id="web-http", http="http://127.0.0.1:8080/health", interval="10s",
                token="0f6ad2e1-0000-4000-8000-000000000001", header={"Authorization": ["Bearer one"]})
    run(monkeypatch, agent, **args)
    args["header"] = {"Authorization": ["Bearer two"]}
    assert run(monkeypatch, agent, **args)["changed"] is True
    assert len(agent.registered) == 2


def test_an_alias_node_check_is_registered_with_its_node_and_unchanged_when_declared_again(monkeypatch):
    agent = FakeAgent()
    args = dict(check_id="web1-alive", alias_node="web1")
    first = run(monkeypatch, agent, **args)
    assert "failed" not in first, first.get("msg")
    assert first["changed"] is True and first["check"]["AliasNode"] == "web1"
    assert [(d["CheckID"], d.get("AliasNode"), consul_type(d)) for d in agent.registered] == [("web1-alive", "web1", "alias")]
    assert run(monkeypatch, agent, **args)["changed"] is False
    assert len(agent.registered) == 1


@pytest.mark.parametrize("changed", [dict(alias_node="web2"), dict(alias_node="web1", alias_service="web")],
                         ids=["another-node", "a-service-on-the-node"])
def test_an_alias_node_check_following_something_else_is_registered_again(monkeypatch, changed):
    agent = FakeAgent()
    run(monkeypatch, agent, check_id="web1-alive", alias_node="web1")
    result = run(monkeypatch, agent, check_id="web1-alive", **changed)
    assert result["changed"] is True
    assert [(d.get("AliasNode"), d.get("AliasService")) for d in agent.registered] == [
        ("web1", None), (changed["alias_node"], changed.get("alias_service"))]
    assert run(monkeypatch, agent, check_id="web1-alive", **changed)["changed"] is False


def test_an_alias_node_check_takes_no_interval(monkeypatch):
    agent = FakeAgent()
    result = run(monkeypatch, agent, check_id="web1-alive", alias_node="web1", interval="10s")
    assert result.get("failed") and "interval cannot be used with alias checks" in result["msg"]
    assert agent.registered == []
