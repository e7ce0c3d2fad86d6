"""consul_service, consul_services and consul_check against a fake agent: a registration under another
ACL token is registered again once, then unchanged under that token.

An agent syncs a service or a check to the catalog with the token it was registered with, for as long as
it keeps it: a module that saw nothing to do under a new token (the old one deleted) would leave the
service blocked by ACLs. The fake agent, like Consul, never shows that token; the modules tell it apart
by the service meta consul_dns_token and by the fingerprint of a check's secrets, both keyed with it."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


import pytest
import fake_agent
from module_run import run_module

from ansible_collections.discovery.consul_dns.plugins.modules import consul_check, consul_service, consul_services

TOKEN_A = "0f6ad2e1-0000-4000-8000-00000000000a"
TOKEN_B = "0f6ad2e1-0000-4000-8000-00000000000b"


class FakeAgent(fake_agent.FakeAgent):
    """/v1/agent/services and /v1/agent/checks as Consul 1.8 answers them: no token, no check definition."""

    @property
    def registered(self):
        return [call for call in self.written() if call[0] in ("register_service", "register_check")]


HTTP_CHECK = dict(http="http://127.0.0.1:8080/health", interval="10s", header={"Authorization": ["Bearer s3cret"]})
SERVICE = dict(id="web01", name="web", address="10.1.88.84", tags=["rails"],
               checks=[dict(name="SSH", tcp="10.1.88.84:22", interval="1s")])


def runs_under(monkeypatch, module, args, tokens):
    """Run ``module`` with ``args`` once under each token, on one fake agent: the results and the agent."""
    agent = FakeAgent()
    results = []
    for token in tokens:
        result = run_module(monkeypatch, module, agent, token=token, **args)
        assert "failed" not in result, result.get("msg")
        results.append(dict(result, registrations=len(agent.registered)))
    return results, agent


@pytest.mark.parametrize("service", [SERVICE, dict(SERVICE, checks=[dict(HTTP_CHECK, name="API")])],
                         ids=["tcp-check", "http-check-with-a-header"])
def test_consul_service_registers_again_under_a_new_token_once(monkeypatch, service):
    results, _agent = runs_under(monkeypatch, consul_service, service, [TOKEN_A, TOKEN_A, TOKEN_B, TOKEN_B])
    assert [(r["changed"], r["registrations"]) for r in results] == [(True, 1), (False, 1), (True, 2), (False, 2)], \
        "expected: registered, unchanged, registered again under the new token, unchanged"


def test_consul_service_registers_a_service_of_no_token_again_under_one(monkeypatch):
    results, _agent = runs_under(monkeypatch, consul_service, SERVICE, [None, None, TOKEN_A, TOKEN_A])
    assert [(r["changed"], r["registrations"]) for r in results] == [(True, 1), (False, 1), (True, 2), (False, 2)]


def test_consul_services_updates_every_service_under_a_new_token_once(monkeypatch):
    args = dict(services=[SERVICE, dict(SERVICE, id="web02", address="10.1.88.85", checks=[])])
    results, _agent = runs_under(monkeypatch, consul_services, args, [TOKEN_A, TOKEN_A, TOKEN_B, TOKEN_B])
    assert [(r["changed"], sorted(r["registered"]), sorted(r["updated"]), r["unchanged"]) for r in results] == [
        (True, ["web01", "web02"], [], 0), (False, [], [], 2), (True, [], ["web01", "web02"], 0), (False, [], [], 2)]
    assert [r["registrations"] for r in results] == [2, 2, 4, 4]


def test_consul_check_with_a_header_registers_again_under_a_new_token_once(monkeypatch):
    args = dict(HTTP_CHECK, check_id="api-health")
    results, agent = runs_under(monkeypatch, consul_check, args, [TOKEN_A, TOKEN_A, TOKEN_B, TOKEN_B])
    assert [(r["changed"], r["registrations"]) for r in results] == [(True, 1), (False, 1), (True, 2), (False, 2)]
    # the fingerprint that told the tokens apart, never the header itself
    assert results[0]["fingerprint"] != results[2]["fingerprint"]
    assert "s3cret" not in agent.checks["api-health"]["Notes"]
