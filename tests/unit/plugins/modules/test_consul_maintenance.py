from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from fake_clock import FakeClock

from ansible_collections.discovery.consul_dns.plugins.module_utils.dns_resolver import DnsError
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


def started_clock():
    """A clock that, like time.monotonic, does not start at zero."""
    clock = FakeClock()
    clock.now = 5000.0
    return clock


def test_the_nodes_maintenance_is_read_from_the_nodes_check():
    checks = {"_node_maintenance": {"Status": "critical", "Notes": "kernel update"}}
    assert current_maintenance(checks, None) == {"enabled": True, "reason": "kernel update"}
    assert current_maintenance(checks, "web01") == {"enabled": False, "reason": ""}


def test_without_a_hold_time_passing_checks_end_the_wait_at_once():
    clock = started_clock()
    agent = Agent({"service:web01": "passing"})
    assert wait_until_passing(agent, "web01", 30, 1, clock=clock, sleep=clock.sleep) == (0, [])
    assert agent.polls == 1


def test_other_services_checks_do_not_hold_up_the_instance():
    clock = started_clock()

    class Node(object):
        def agent_checks(self):
            return {"service:web01": {"ServiceID": "web01", "Status": "passing"},
                    "service:api": {"ServiceID": "api", "Status": "critical"}}

    assert wait_until_passing(Node(), "web01", 30, 1, clock=clock, sleep=clock.sleep) == (0, [])
    # the node's maintenance waits for every check of the node
    assert wait_until_passing(Node(), None, 2, 1, clock=clock, sleep=clock.sleep) == (2, ["service:api"])


# three intervals of 0.345 s: 1.035 s, reported as 1.03 or 1.04 (binary floats)
HUNDREDTHS = (1.03, 1.04)


def test_the_seconds_waited_are_rounded_to_hundredths():
    clock = started_clock()
    agent = Agent({"service:web01": "critical"}, {"service:web01": "passing"})
    seconds, failing = wait_until_passing(agent, "web01", 30, 0.345, passing_for=0.5, clock=clock, sleep=clock.sleep)
    assert seconds in HUNDREDTHS and failing == []
    clock = started_clock()
    agent = Agent({"service:web01": "critical"})
    seconds, failing = wait_until_passing(agent, "web01", 1, 0.345, clock=clock, sleep=clock.sleep)
    assert seconds in HUNDREDTHS and failing == ["service:web01"]


def test_checks_passing_too_briefly_at_the_timeout_say_so():
    clock = started_clock()
    agent = Agent({"service:web01": "critical"}, {"service:web01": "critical"}, {"service:web01": "passing"})
    assert wait_until_passing(agent, "web01", 3, 1, passing_for=4, clock=clock, sleep=clock.sleep) == (
        3, ["(passing for less than 4s)"])


def test_the_dns_wait_rounds_its_seconds_and_counts_from_its_start():
    clock = started_clock()
    resolver = ScriptedResolver(["10.0.0.5"], ["10.0.0.5"], ["10.0.0.5"], [])
    seconds, mismatches = wait_for_answers([("r", resolver)], ["web.service.consul"], "10.0.0.5", False, 30, 0.345,
                                           clock=clock, sleep=clock.sleep)
    assert seconds in HUNDREDTHS and mismatches == []
    clock = started_clock()
    resolver = ScriptedResolver(["10.0.0.5"])
    seconds, mismatches = wait_for_answers([("r", resolver)], ["web.service.consul"], "10.0.0.5", False, 1, 0.345,
                                           clock=clock, sleep=clock.sleep)
    assert seconds in HUNDREDTHS and mismatches == ["r still answers it for web.service.consul"]


class NamedResolver(object):
    """Answers from a table by name; a DnsError for names it has no answer for."""

    def __init__(self, table):
        self.table, self.asked = table, []

    def addresses(self, name):
        self.asked.append(name)
        if name not in self.table:
            raise DnsError("no DNS answer for %s A from 10.0.0.3:53: timed out" % name)
        return set(self.table[name])


def test_each_name_is_asked_and_a_failed_question_is_named_without_skipping_the_rest():
    resolver = NamedResolver({"web.example.com": ["10.0.0.5"], "web.service.consul": []})
    names = ["api.service.consul", "web.service.consul", "web.example.com"]
    assert dns_mismatches([("10.0.0.3", resolver)], names, "10.0.0.5", True) == [
        "10.0.0.3: no DNS answer for api.service.consul A from 10.0.0.3:53: timed out",
        "10.0.0.3 does not answer it for web.service.consul",
    ]
    assert resolver.asked == names
    assert dns_mismatches([("10.0.0.3", resolver)], names, "10.0.0.5", False) == [
        "10.0.0.3: no DNS answer for api.service.consul A from 10.0.0.3:53: timed out",
        "10.0.0.3 still answers it for web.example.com",
    ]
