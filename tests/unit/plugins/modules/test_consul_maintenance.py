from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from fake_clock import FakeClock

from ansible_collections.discovery.consul_dns.plugins.modules.consul_maintenance import (
    checks_not_passing,
    current_maintenance,
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
