"""consul_check against a fake agent: a check registered under an ACL token is unchanged on the next run."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from module_run import run_module

from ansible_collections.discovery.consul_dns.plugins.module_utils.check_definitions import type_of_definition
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
            "Type": type_of_definition(definition), "ServiceID": definition.get("ServiceID", ""), "Status": "critical"}


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
