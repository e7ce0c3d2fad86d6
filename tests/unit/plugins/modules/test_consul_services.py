"""consul_services against a fake agent: what is registered, updated, left alone and purged (and only
services of its own set), the inline checks a new definition drops, check mode, the keyed diff, and
errors naming the service before anything is sent."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from fake_agent import FakeAgent
from module_run import run_module

from ansible_collections.discovery.consul_dns.plugins.modules import consul_services

WEB01 = dict(id="web01", name="web", address="10.1.88.84", tags=["rails"],
             checks=[dict(check_id="ssh", tcp="10.1.88.84:22", interval="10s"),
                     dict(check_id="http", http="http://10.1.88.84/", interval="10s")])
WEB02 = dict(id="web02", name="web", address="10.1.88.85")


def run(monkeypatch, agent, **args):
    return run_module(monkeypatch, consul_services, agent, **args)


def counts(result):
    return dict((k, result[k]) for k in ("changed", "registered", "updated", "deregistered", "unchanged"))


def test_services_are_registered_in_their_set_then_left_alone(monkeypatch):
    agent = FakeAgent()
    first = run(monkeypatch, agent, services=[WEB01, WEB02])
    assert counts(first) == dict(changed=True, registered=["web01", "web02"], updated=[], deregistered=[], unchanged=0)
    assert agent.written() == [("register_service", "web01"), ("register_service", "web02")]
    sent = agent.calls[0][1]
    assert sent["Meta"] == {"consul_dns_set": "default"}
    assert [(c["CheckID"], c["Notes"].startswith("[consul_dns:")) for c in sent["Checks"]] == [("ssh", True), ("http", True)]
    again = run(monkeypatch, agent, services=[WEB01, WEB02])
    assert counts(again) == dict(changed=False, registered=[], updated=[], deregistered=[], unchanged=2)
    assert len(agent.calls) == 2


def test_a_set_name_given_as_a_number_is_stored_as_text_and_compared_so(monkeypatch):
    agent = FakeAgent()
    run(monkeypatch, agent, services=[WEB02], set_name=2024)
    assert agent.services["web02"]["Meta"] == {"consul_dns_set": "2024"}
    assert run(monkeypatch, agent, services=[WEB02], set_name=2024)["changed"] is False


def test_only_the_changed_service_is_registered_again_and_its_dropped_checks_removed(monkeypatch):
    agent = FakeAgent()
    run(monkeypatch, agent, services=[WEB01, WEB02])
    agent.checks["extra"] = dict(CheckID="extra", Name="extra", ServiceID="web01", Type="ttl", Status="passing",
                                 Notes="[consul_dns:check:0123456789abcdef]")
    del agent.calls[:]
    result = run(monkeypatch, agent, services=[dict(WEB01, checks=WEB01["checks"][:1]), WEB02])
    assert counts(result) == dict(changed=True, registered=[], updated=["web01"], deregistered=[], unchanged=1)
    assert agent.written() == [("register_service", "web01"), ("deregister_check", "http")]
    assert sorted(agent.checks) == ["extra", "ssh"]


def stale_agent(monkeypatch):
    agent = FakeAgent()
    run(monkeypatch, agent, services=[WEB01, dict(WEB02, id="old2"), dict(WEB02, id="old1")])
    run(monkeypatch, agent, services=[dict(WEB02, id="theirs")], set_name="other")
    agent.services["manual"] = dict(ID="manual", Service="web", Meta={})
    agent.services["bare"] = dict(ID="bare", Service="web")
    del agent.calls[:]
    return agent


def test_purge_removes_the_sets_unlisted_services_only(monkeypatch):
    agent = stale_agent(monkeypatch)
    result = run(monkeypatch, agent, services=[WEB01], purge=True, _ansible_diff=True)
    assert counts(result) == dict(changed=True, registered=[], updated=[], deregistered=["old1", "old2"], unchanged=1)
    assert agent.written() == [("deregister_service", "old1"), ("deregister_service", "old2")]
    assert sorted(agent.services) == ["bare", "manual", "theirs", "web01"]
    assert result["diff"]["after"] == {}
    assert sorted(result["diff"]["before"]) == ["old1", "old2"]
    assert result["diff"]["before"]["old1"]["Meta"] == {"consul_dns_set": "default"}
    assert result["diff"]["before"]["old1"]["Address"] == "10.1.88.85"


def test_purge_of_another_set_removes_that_sets_services(monkeypatch):
    agent = stale_agent(monkeypatch)
    result = run(monkeypatch, agent, services=[], purge=True, set_name="other")
    assert result["deregistered"] == ["theirs"] and agent.written() == [("deregister_service", "theirs")]


@pytest.mark.parametrize("purge", [dict(), dict(purge="no"), dict(purge=False)])
def test_without_purge_nothing_is_removed(monkeypatch, purge):
    agent = stale_agent(monkeypatch)
    result = run(monkeypatch, agent, services=[WEB01], **purge)
    assert counts(result) == dict(changed=False, registered=[], updated=[], deregistered=[], unchanged=1)
    assert agent.calls == []


def test_check_mode_reports_every_change_and_makes_none(monkeypatch):
    agent = stale_agent(monkeypatch)
    before = (agent.agent_services(), agent.agent_checks())
    result = run(monkeypatch, agent, services=[dict(WEB01, checks=[]), WEB02], purge=True, _ansible_check_mode=True)
    assert counts(result) == dict(changed=True, registered=["web02"], updated=["web01"], deregistered=["old1", "old2"],
                                  unchanged=0)
    assert agent.calls == [] and (agent.agent_services(), agent.agent_checks()) == before


def test_the_diff_holds_the_changed_services_by_id(monkeypatch):
    agent = FakeAgent()
    run(monkeypatch, agent, services=[WEB01, WEB02])
    result = run(monkeypatch, agent, services=[WEB01, dict(WEB02, tags=["v2"])], _ansible_diff=True)
    assert sorted(result["diff"]["before"]) == sorted(result["diff"]["after"]) == ["web02"]
    assert (result["diff"]["before"]["web02"]["Tags"], result["diff"]["after"]["web02"]["Tags"]) == ([], ["v2"])
    assert "diff" not in run(monkeypatch, agent, services=[WEB01, WEB02])


@pytest.mark.parametrize("services,message", [
    ([WEB02, dict(WEB02, address="10.1.88.86")], "services[1] (web02): service ID web02 is listed twice"),
    ([dict(name="web", service_port=-1)], "services[0] (web): service_port must be between 0 and 65535, got -1"),
    ([dict(WEB01, checks=[dict(tcp="a:1")])], "services[0] (web01): checks[0]: interval is required for tcp checks"),
    ([dict(WEB02, meta={"consul_dns_set": "x"})], "services[0] (web02): meta key consul_dns_set is reserved"),
])
def test_errors_name_the_service_and_nothing_is_sent(monkeypatch, services, message):
    agent = FakeAgent()
    result = run(monkeypatch, agent, services=services)
    assert result["failed"] is True and result["msg"].startswith(message)
    assert agent.calls == []


def test_a_service_that_is_no_dictionary_is_refused_naming_it():
    # AnsibleModule refuses text that is no key=value first; the module's own refusal, for what it let through
    with pytest.raises(consul_services.DefinitionError) as err:
        consul_services.desired_registrations([WEB02, ["web"]], "default")
    assert str(err.value) == "services[1]: a service must be a dictionary of options"


def test_a_service_without_a_name_is_named_by_its_index(monkeypatch):
    result = run(monkeypatch, FakeAgent(), services=[WEB02, dict(id="x", colour="red")])
    assert result["failed"] is True and result["msg"].startswith("services[1]: ")
    assert "name" in result["msg"] and "colour" in result["msg"]


def test_services_are_required(monkeypatch):
    result = run(monkeypatch, FakeAgent())
    assert result["failed"] is True and "services" in result["msg"]


def test_a_service_given_as_key_value_text_is_a_dictionary(monkeypatch):
    agent = FakeAgent()
    result = run(monkeypatch, agent, services=["name=web id=web03"])
    assert result.get("failed") is None and result["registered"] == ["web03"]
