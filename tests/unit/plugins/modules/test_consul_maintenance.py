from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from fake_clock import FakeClock

from ansible_collections.discovery.consul_dns.plugins.modules.consul_maintenance import (
    checked_dns_wait,
    checks_not_passing,
    current_maintenance,
    dns_mismatches,
    wait_for_answers,
    wait_until_passing,
)


class Agent(object):
    """Answers /v1/agent/checks from a script, one entry per poll, the last repeated."""

    def __init__(self, *states):
        self.states, self.polls = states, 0

    def agent_checks(self):
        state = self.states[min(self.polls, len(self.states) - 1)]
        self.polls += 1
        return dict((check_id, {"ServiceID": "web01", "Status": status}) for check_id, status in state.items())


def test_the_maintenance_checks_are_not_the_instances_own():
    checks = {"_service_maintenance:web01": {"ServiceID": "web01", "Status": "critical"},
              "_node_maintenance": {"Status": "critical"}, "service:web01": {"ServiceID": "web01", "Status": "passing"},
              "service:api": {"ServiceID": "api", "Status": "critical"}}
    assert checks_not_passing(checks, "web01") == []
    assert checks_not_passing(checks, None) == ["service:api"]
    assert current_maintenance(dict(checks, **{"_service_maintenance:web01": {"Notes": "deploy"}}), "web01") == \
        {"enabled": True, "reason": "deploy"}
    assert current_maintenance({}, None) == {"enabled": False, "reason": ""}


def test_checks_must_keep_passing_for_the_hold_time():
    clock = FakeClock()
    """Passing right after a deploy, then critical (failures_before_critical reached), then passing
    for good: only the last counts."""
    agent = Agent({"service:web01": "passing"}, {"service:web01": "passing"}, {"service:web01": "critical"},
                  {"service:web01": "passing"})
    seconds, failing = wait_until_passing(agent, "web01", 30, 1, passing_for=4, clock=clock, sleep=clock.sleep)
    assert failing == [] and seconds == 7   # passing again from second 3, for 4 seconds


def test_a_check_that_never_stays_passing_fails_the_wait():
    clock = FakeClock()
    agent = Agent({"service:web01": "passing"}, {"service:web01": "critical"})
    seconds, failing = wait_until_passing(agent, "web01", 5, 1, passing_for=4, clock=clock, sleep=clock.sleep)
    assert seconds == 5 and failing == ["service:web01"]


def test_resolvers_and_address_come_back_canonical():
    assert checked_dns_wait(dict(resolvers=["FD00::0001#5353", "10.0.0.2"], address="FD00::0002")) == (
        ["fd00::1#5353", "10.0.0.2"], "fd00::2")
    assert checked_dns_wait(dict(resolvers=["10.0.0.2"], address=None)) == (["10.0.0.2"], None)


@pytest.mark.parametrize("wait,named", [
    (dict(resolvers=["fe80::1%x\n6.6.6.6 www.bank.example"], address=None), "wait_for_dns.resolvers"),
    (dict(resolvers=["10.0.0.1\n"], address=None), "wait_for_dns.resolvers"),
    (dict(resolvers=["010.1.1.1#53"], address=None), "wait_for_dns.resolvers"),
    (dict(resolvers=[], address=None), "wait_for_dns.resolvers"),
    (dict(resolvers=["10.0.0.2"], address="fe80::1%x\n6.6.6.6 www.bank.example"), "wait_for_dns.address"),
    (dict(resolvers=["10.0.0.2"], address="web\n"), "wait_for_dns.address"),
])
def test_a_near_address_is_refused_naming_the_option(wait, named):
    with pytest.raises(ValueError) as err:
        checked_dns_wait(wait)
    assert str(err.value).startswith(named)


def test_answers_are_compared_in_canonical_form():
    class Resolver(object):
        def addresses(self, name):
            return {"FD00::0001", "10.0.0.1"}

    assert dns_mismatches([("r", Resolver())], ["web.service.consul"], "fd00::1", True) == []


class ScriptedResolver(object):
    """Answers each name from a script, one entry per query, the last repeated."""

    def __init__(self, *answers):
        self.answers, self.queries = answers, 0

    def addresses(self, name):
        answer = self.answers[min(self.queries, len(self.answers) - 1)]
        self.queries += 1
        return set(answer)


def test_the_dns_wait_keeps_asking_until_the_address_is_gone():
    clock = FakeClock()
    # maintenance on: the resolver still hands out the address for three queries (its cache), then not
    resolver = ScriptedResolver(["10.0.0.5"], ["10.0.0.5"], ["10.0.0.5"], [])
    seconds, mismatches = wait_for_answers([("10.0.0.2", resolver)], ["web.service.consul"], "10.0.0.5", False,
                                           30, 1, clock=clock, sleep=clock.sleep)
    assert mismatches == [] and seconds == 3 and resolver.queries == 4


def test_the_dns_wait_asks_every_resolver_until_each_answers_as_wanted():
    clock = FakeClock()
    # maintenance off: one resolver answers at once, the other only from its third query
    quick, slow = ScriptedResolver(["10.0.0.5"]), ScriptedResolver([], [], ["10.0.0.5"])
    seconds, mismatches = wait_for_answers([("a", quick), ("b", slow)], ["web.service.consul"], "10.0.0.5", True,
                                           30, 0.5, clock=clock, sleep=clock.sleep)
    assert mismatches == [] and seconds == 1 and slow.queries == 3


def test_the_dns_wait_that_never_sees_the_wanted_answer_ends_at_the_timeout_with_what_is_left():
    clock = FakeClock()
    resolver = ScriptedResolver(["10.0.0.5"])
    seconds, mismatches = wait_for_answers([("10.0.0.2", resolver)], ["web.service.consul"], "10.0.0.5", False,
                                           5, 1, clock=clock, sleep=clock.sleep)
    assert seconds == 5 and resolver.queries == 6
    assert mismatches == ["10.0.0.2 still answers it for web.service.consul"]
