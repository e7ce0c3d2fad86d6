"""consul_maintenance's main() against a fake agent and fake resolvers: what it changes, reports,
waits for and refuses (the real-agent behaviour is in tests/integration/test_maintenance_module.py)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import functools

import pytest
from fake_clock import FakeClock
from module_run import run_module

from ansible_collections.discovery.consul_dns.plugins.modules import consul_maintenance

WEB = {"ID": "web01", "Service": "web", "Address": "10.0.0.5", "Port": 80}


class FakeAgent(object):
    """An agent holding service instances and checks; maintenance adds or drops Consul's own check."""

    url = "http://127.0.0.1:8500"

    def __init__(self, services=None, checks=None, node_address="10.0.0.9", check_script=None):
        self.services = dict((service["ID"], service) for service in (services or [WEB]))
        self.checks = dict(checks or {})
        self.address = node_address
        self.calls = []
        # the instance's own checks, one state per read of /v1/agent/checks (the last repeated)
        self.check_script, self.reads = check_script or [], 0

    def agent_service(self, service_id):
        return self.services.get(service_id)

    def agent_checks(self):
        checks = dict(self.checks)
        if self.check_script:
            checks.update(self.check_script[min(self.reads, len(self.check_script) - 1)])
        self.reads += 1
        return checks

    def set_maintenance(self, enable, reason=None, service_id=None):
        self.calls.append((enable, reason, service_id))
        check_id = "_service_maintenance:%s" % service_id if service_id else "_node_maintenance"
        if enable:
            self.checks[check_id] = {"CheckID": check_id, "Status": "critical", "Notes": reason or "",
                                     "ServiceID": service_id or ""}
        else:
            self.checks.pop(check_id, None)

    def node_address(self):
        return self.address


def maintenance_check(reason, service_id="web01"):
    if service_id is None:
        return {"_node_maintenance": {"Status": "critical", "Notes": reason}}
    return {"_service_maintenance:%s" % service_id: {"Status": "critical", "Notes": reason, "ServiceID": service_id}}


class Dns(object):
    """The resolvers the module makes (DnsResolver replaced): each answers the addresses of the
    instances not in maintenance, after ``lag`` more questions (its cache)."""

    def __init__(self, agent, lag=0, answers=None):
        self.agent, self.lag, self.answers = agent, lag, answers
        self.made, self.questions = [], []

    def __call__(self, server, port, timeout):
        self.made.append((server, port, timeout))
        dns = self

        class Resolver(object):
            def addresses(self, name):
                dns.questions.append((server, name))
                if dns.answers is not None:
                    return set(dns.answers)
                if dns.lag:
                    dns.lag -= 1
                    return set(dns.previous)
                return dns.current()

        return Resolver()

    def current(self):
        if "_node_maintenance" in self.agent.checks:
            return set()
        return set(service["Address"] for service in self.agent.services.values()
                   if "_service_maintenance:%s" % service["ID"] not in self.agent.checks)

    def remember(self):
        self.previous = self.current()
        return self


@pytest.fixture
def clock(monkeypatch):
    """The waits of main() on a fake clock that does not start at zero."""
    clock = FakeClock()
    clock.now = 1000.0
    for name in ("wait_until_passing", "wait_for_answers"):
        monkeypatch.setattr(consul_maintenance, name, functools.partial(
            getattr(consul_maintenance, name), clock=clock, sleep=clock.sleep))
    return clock


def run(monkeypatch, agent, dns=None, **args):
    if dns is not None:
        monkeypatch.setattr(consul_maintenance, "DnsResolver", dns)
    return run_module(monkeypatch, consul_maintenance, agent, **args)


def test_enabling_puts_the_instance_into_maintenance_with_the_reason_and_shows_the_diff(monkeypatch):
    agent = FakeAgent()
    result = run(monkeypatch, agent, service_id="web01", state="enabled", reason="deploy 42", _ansible_diff=True)
    assert agent.calls == [(True, "deploy 42", "web01")]
    assert result["changed"] is True and "failed" not in result
    assert result["maintenance"] == {"enabled": True, "reason": "deploy 42"}
    assert result["diff"] == {"before": {"enabled": False, "reason": ""}, "after": {"enabled": True, "reason": "deploy 42"}}
    assert "dns_wait" not in result and "checks_wait" not in result


def test_enabling_without_a_reason_reports_an_empty_one(monkeypatch):
    agent = FakeAgent()
    result = run(monkeypatch, agent, service_id="web01", state="enabled")
    assert agent.calls == [(True, None, "web01")]
    assert result["maintenance"] == {"enabled": True, "reason": ""}


def test_maintenance_already_on_keeps_its_reason_and_changes_nothing(monkeypatch):
    agent = FakeAgent(checks=maintenance_check("deploy 41"))
    result = run(monkeypatch, agent, service_id="web01", state="enabled", reason="deploy 42", _ansible_diff=True)
    assert agent.calls == []
    assert result["changed"] is False
    assert result["maintenance"] == {"enabled": True, "reason": "deploy 41"}
    assert result["diff"]["before"] == result["diff"]["after"]


def test_disabling_takes_the_instance_out(monkeypatch):
    agent = FakeAgent(checks=maintenance_check("deploy 41"))
    result = run(monkeypatch, agent, service_id="web01", state="disabled", _ansible_diff=True)
    assert agent.calls == [(False, None, "web01")] and agent.checks == {}
    assert result["changed"] is True
    assert result["maintenance"] == {"enabled": False, "reason": ""}
    assert result["diff"] == {"before": {"enabled": True, "reason": "deploy 41"}, "after": {"enabled": False, "reason": ""}}


def test_disabling_what_is_not_in_maintenance_changes_nothing(monkeypatch):
    # another instance's maintenance is not this one's
    agent = FakeAgent(services=[WEB, dict(WEB, ID="web02")], checks=maintenance_check("x", "web02"))
    result = run(monkeypatch, agent, service_id="web01", state="disabled", wait_for_checks=True)
    assert agent.calls == [] and result["changed"] is False and "checks_wait" not in result
    assert result["maintenance"] == {"enabled": False, "reason": ""}


def test_check_mode_reports_the_change_and_waits_for_nothing(monkeypatch):
    agent = FakeAgent()
    dns = Dns(agent)
    result = run(monkeypatch, agent, dns, service_id="web01", state="enabled", reason="deploy",
                 wait_for_dns=dict(resolvers=["10.0.0.2"]), _ansible_check_mode=True, _ansible_diff=True)
    assert agent.calls == [] and dns.questions == []
    assert result["changed"] is True and "failed" not in result
    assert result["maintenance"] == {"enabled": True, "reason": "deploy"}
    assert result["diff"]["after"] == {"enabled": True, "reason": "deploy"}
    assert "dns_wait" not in result


def test_check_mode_of_disabling_does_not_wait_for_checks(monkeypatch, clock):
    agent = FakeAgent(checks=maintenance_check("deploy"), check_script=[{"service:web01": {"ServiceID": "web01", "Status": "critical"}}])
    result = run(monkeypatch, agent, service_id="web01", state="disabled", wait_for_checks=True, wait_timeout=5,
                 _ansible_check_mode=True)
    assert agent.calls == [] and agent.reads == 1 and clock.now == 1000.0
    assert result["changed"] is True and "failed" not in result and "checks_wait" not in result


def test_node_maintenance_uses_the_nodes_check(monkeypatch):
    agent = FakeAgent(checks=maintenance_check("kernel", service_id="web01"))
    result = run(monkeypatch, agent, state="enabled", reason="reboot")
    assert agent.calls == [(True, "reboot", None)]
    assert result["maintenance"] == {"enabled": True, "reason": "reboot"}
    result = run(monkeypatch, agent, state="enabled", reason="again")
    assert agent.calls == [(True, "reboot", None)] and result["changed"] is False
    assert result["maintenance"] == {"enabled": True, "reason": "reboot"}
    result = run(monkeypatch, agent, state="disabled")
    assert agent.calls[-1] == (False, None, None) and "_node_maintenance" not in agent.checks
    # the service's own maintenance stays
    assert "_service_maintenance:web01" in agent.checks


def test_an_unknown_instance_is_refused_naming_the_option_and_the_agent(monkeypatch):
    agent = FakeAgent()
    result = run(monkeypatch, agent, service_id="web09", state="enabled")
    assert result["failed"] is True and agent.calls == []
    assert result["msg"] == "service_id: web09 is not registered on the agent at http://127.0.0.1:8500"


@pytest.mark.parametrize("wait, message", [
    (dict(resolvers=["10.0.0.2", "dns1"]),
     "wait_for_dns.resolvers must be IP addresses, each optionally with #port; refused: ['dns1']"),
    (dict(resolvers=["10.0.0.2"], address="web01"), "wait_for_dns.address must be an IP address, got 'web01'"),
])
def test_a_bad_dns_wait_is_refused_before_anything_changes(monkeypatch, wait, message):
    agent = FakeAgent()
    result = run(monkeypatch, agent, service_id="web01", state="enabled", wait_for_dns=wait)
    assert result["failed"] is True and result["msg"] == message
    assert agent.calls == [] and result["changed"] is False


def test_node_maintenance_waiting_for_dns_needs_names(monkeypatch):
    agent = FakeAgent()
    result = run(monkeypatch, agent, state="enabled", wait_for_dns=dict(resolvers=["10.0.0.2"]))
    assert result["failed"] is True and agent.calls == []
    assert result["msg"] == "wait_for_dns.names is required for node maintenance (no service_id)"


def test_waiting_for_dns_without_dnspython_is_refused_naming_it(monkeypatch):
    monkeypatch.setattr(consul_maintenance, "HAS_DNSPYTHON", False)
    agent = FakeAgent()
    result = run(monkeypatch, agent, service_id="web01", state="enabled", wait_for_dns=dict(resolvers=["10.0.0.2"]))
    assert result["failed"] is True and agent.calls == []
    assert "(dnspython)" in result["msg"] and result["msg"].endswith(" (for wait_for_dns)")


def test_without_dnspython_maintenance_without_a_dns_wait_still_works(monkeypatch):
    monkeypatch.setattr(consul_maintenance, "HAS_DNSPYTHON", False)
    agent = FakeAgent()
    result = run(monkeypatch, agent, service_id="web01", state="enabled")
    assert "failed" not in result and agent.calls == [(True, None, "web01")]


def test_enabling_waits_until_no_resolver_answers_the_instance(monkeypatch, clock):
    agent = FakeAgent()
    dns = Dns(agent, lag=3).remember()
    result = run(monkeypatch, agent, dns, service_id="web01", state="enabled", wait_interval=0.5, wait_timeout=30,
                 wait_for_dns=dict(resolvers=["10.0.0.2", "FD00::0001#5353"], domain="example.com."))
    assert "failed" not in result and result["changed"] is True
    # the default name: the instance's service in the given domain; the service's address
    assert result["dns_wait"] == {"seconds": 1.0, "address": "10.0.0.5", "names": ["web.service.example.com"],
                                  "resolvers": ["10.0.0.2", "fd00::1#5353"]}
    # each resolver asked on its port, with at most 2 s per question
    assert dns.made == [("10.0.0.2", 53, 2.0), ("fd00::1", 5353, 2.0)]
    assert dns.questions[-2:] == [("10.0.0.2", "web.service.example.com"), ("fd00::1", "web.service.example.com")]


def test_a_short_timeout_shortens_each_question(monkeypatch, clock):
    agent = FakeAgent()
    dns = Dns(agent)
    result = run(monkeypatch, agent, dns, service_id="web01", state="enabled", wait_timeout=0.5,
                 wait_for_dns=dict(resolvers=["10.0.0.2"]))
    assert "failed" not in result and dns.made == [("10.0.0.2", 53, 0.5)]
    assert result["dns_wait"]["names"] == ["web.service.consul"]


def test_disabling_waits_until_every_resolver_answers_every_name(monkeypatch, clock):
    agent = FakeAgent(checks=maintenance_check("deploy"))
    dns = Dns(agent, lag=2).remember()
    result = run(monkeypatch, agent, dns, service_id="web01", state="disabled", wait_interval=1, wait_timeout=30,
                 wait_for_dns=dict(resolvers=["10.0.0.2"], names=["web.service.consul", "web.example.com"]))
    assert "failed" not in result and agent.calls == [(False, None, "web01")]
    assert result["dns_wait"]["seconds"] == 1.0 and result["dns_wait"]["names"] == ["web.service.consul", "web.example.com"]
    assert set(name for server, name in dns.questions) == {"web.service.consul", "web.example.com"}


def test_a_dns_wait_that_times_out_fails_naming_the_resolver_and_the_name(monkeypatch, clock):
    agent = FakeAgent()
    dns = Dns(agent, answers=["10.0.0.5"])
    result = run(monkeypatch, agent, dns, service_id="web01", state="enabled", wait_interval=1, wait_timeout=3,
                 wait_for_dns=dict(resolvers=["10.0.0.2"]))
    assert result["failed"] is True
    assert result["msg"] == ("service web01 is in maintenance, but after 3.0s: "
                             "10.0.0.2 still answers it for web.service.consul")
    # the maintenance is on: that was a change
    assert result["changed"] is True and agent.calls == [(True, None, "web01")]
    assert result["dns_wait"]["seconds"] == 3.0 and result["dns_wait"]["address"] == "10.0.0.5"


def test_a_dns_wait_for_the_node_coming_back_names_what_is_missing(monkeypatch, clock):
    agent = FakeAgent(checks=maintenance_check("reboot", None), node_address="FD00::0009")
    dns = Dns(agent, answers=[])
    result = run(monkeypatch, agent, dns, state="disabled", wait_interval=1, wait_timeout=2,
                 wait_for_dns=dict(resolvers=["10.0.0.2", "10.0.0.3"], names=["node1.node.consul"]))
    assert result["failed"] is True and result["changed"] is True
    assert result["msg"] == ("this node is out of maintenance, but after 2.0s: 10.0.0.2 does not answer it for "
                             "node1.node.consul; 10.0.0.3 does not answer it for node1.node.consul")
    # the node's address as Consul's DNS answers it, in canonical form
    assert result["dns_wait"]["address"] == "fd00::9"


def test_the_wait_takes_the_given_address_over_consuls(monkeypatch, clock):
    agent = FakeAgent()
    dns = Dns(agent, answers=["10.0.0.77"])
    result = run(monkeypatch, agent, dns, service_id="web01", state="disabled",
                 wait_for_dns=dict(resolvers=["10.0.0.2"], address="10.0.0.77"))
    assert "failed" not in result and result["changed"] is False
    assert result["dns_wait"] == {"seconds": 0.0, "address": "10.0.0.77", "names": ["web.service.consul"],
                                  "resolvers": ["10.0.0.2"]}


def test_an_instance_without_its_own_address_is_waited_for_by_the_nodes(monkeypatch, clock):
    agent = FakeAgent(services=[dict(WEB, Address="")])
    dns = Dns(agent, answers=["10.0.0.9"])
    result = run(monkeypatch, agent, dns, service_id="web01", state="disabled", wait_for_dns=dict(resolvers=["10.0.0.2"]))
    assert "failed" not in result and result["dns_wait"]["address"] == "10.0.0.9"


def critical(check_id="service:web01", service_id="web01"):
    return {check_id: {"ServiceID": service_id, "Status": "critical"}}


def passing(check_id="service:web01", service_id="web01"):
    return {check_id: {"ServiceID": service_id, "Status": "passing"}}


def test_disabling_waits_for_the_checks_to_keep_passing_first(monkeypatch, clock):
    agent = FakeAgent(checks=maintenance_check("deploy"),
                      check_script=[critical(), critical(), passing(), passing(), passing(), passing()])
    result = run(monkeypatch, agent, service_id="web01", state="disabled", wait_for_checks=True,
                 checks_passing_for=0.6, wait_interval=0.333, wait_timeout=30)
    assert "failed" not in result and agent.calls == [(False, None, "web01")]
    # critical at the module's first read and the wait's first, passing from 0.333 s, for 0.6 s and more
    assert result["checks_wait"] == {"seconds": 1.0, "not_passing": []}


def test_checks_that_do_not_pass_keep_the_instance_in_maintenance(monkeypatch, clock):
    agent = FakeAgent(checks=maintenance_check("deploy"), check_script=[dict(critical(), **passing("service:web01:2"))])
    result = run(monkeypatch, agent, Dns(agent), service_id="web01", state="disabled", wait_for_checks=True,
                 wait_interval=1, wait_timeout=5, wait_for_dns=dict(resolvers=["10.0.0.2"]))
    assert result["failed"] is True and result["changed"] is False and agent.calls == []
    assert result["msg"] == "service web01 stays in maintenance: after 5.0s its checks service:web01 do not pass"
    assert result["checks_wait"] == {"seconds": 5.0, "not_passing": ["service:web01"]}
    assert result["maintenance"] == {"enabled": True, "reason": "deploy"}
    assert "_service_maintenance:web01" in agent.checks


def test_enabling_never_waits_for_checks(monkeypatch, clock):
    agent = FakeAgent(check_script=[critical()])
    result = run(monkeypatch, agent, service_id="web01", state="enabled", wait_for_checks=True, wait_timeout=5)
    assert "failed" not in result and agent.calls == [(True, None, "web01")] and "checks_wait" not in result
    assert clock.now == 1000.0


def test_every_check_not_passing_is_named(monkeypatch, clock):
    agent = FakeAgent(checks=maintenance_check("deploy"),
                      check_script=[dict(critical(), **critical("service:web01:2"))])
    result = run(monkeypatch, agent, service_id="web01", state="disabled", wait_for_checks=True, wait_interval=1,
                 wait_timeout=2)
    assert result["msg"] == ("service web01 stays in maintenance: after 2.0s its checks service:web01, "
                             "service:web01:2 do not pass")


def test_the_instance_waits_for_its_own_checks_only(monkeypatch, clock):
    agent = FakeAgent(services=[WEB, dict(WEB, ID="api01", Service="api")], checks=maintenance_check("deploy"),
                      check_script=[dict(passing(), **critical("service:api01", "api01"))])
    result = run(monkeypatch, agent, service_id="web01", state="disabled", wait_for_checks=True, wait_timeout=5)
    assert "failed" not in result and agent.calls == [(False, None, "web01")]
    # no hold time by default: passing checks end the wait at once
    assert result["checks_wait"] == {"seconds": 0.0, "not_passing": []}


def test_without_wait_for_checks_the_instance_comes_back_at_once(monkeypatch, clock):
    agent = FakeAgent(checks=maintenance_check("deploy"), check_script=[critical()])
    for args in ({}, {"wait_for_checks": "False"}):
        agent.checks.update(maintenance_check("deploy"))
        result = run(monkeypatch, agent, service_id="web01", state="disabled", wait_timeout=5, **args)
        assert "failed" not in result and agent.calls[-1] == (False, None, "web01") and "checks_wait" not in result
    assert clock.now == 1000.0


def test_by_default_the_dns_wait_asks_five_times_a_second_for_a_minute(monkeypatch, clock):
    agent = FakeAgent()
    dns = Dns(agent, answers=["10.0.0.5"])
    result = run(monkeypatch, agent, dns, service_id="web01", state="enabled", wait_for_dns=dict(resolvers=["10.0.0.2"]))
    assert result["failed"] is True and result["msg"].startswith("service web01 is in maintenance, but after 60.0s: ")
    assert 60 <= result["dns_wait"]["seconds"] < 60.3 and 300 <= len(dns.questions) <= 302


@pytest.mark.parametrize("args, named", [
    (dict(service_id="web01"), "state"),
    (dict(service_id="web01", state="on"), "state"),
    (dict(service_id="web01", state="enabled", wait_for_dns=dict(names=["web.service.consul"])), "resolvers"),
])
def test_what_the_options_do_not_allow_is_refused_before_anything_changes(monkeypatch, args, named):
    agent = FakeAgent()
    result = run(monkeypatch, agent, Dns(agent), **args)
    assert result["failed"] is True and named in result["msg"] and agent.calls == [] and agent.reads == 0
