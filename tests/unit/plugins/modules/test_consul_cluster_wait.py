from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from fake_clock import FakeClock
from module_run import run_module

from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_client import ConsulError
from ansible_collections.discovery.consul_dns.plugins.modules import consul_cluster_wait
from ansible_collections.discovery.consul_dns.plugins.modules.consul_cluster_wait import wait_for


class FakeCluster(object):
    """Answers from a script: one entry per poll, the last repeated."""

    def __init__(self, health=None, leaders=None, indexes=None):
        self.health, self.leaders, self.indexes = health or [], leaders or [], indexes or []
        self.polls = 0
        self.url = "http://127.0.0.1:8500"

    def _next(self, script, count=True):
        answer = script[min(self.polls, len(script) - 1)]
        self.polls += count
        if isinstance(answer, Exception):
            raise answer
        return answer

    def autopilot_health(self):
        return self._next(self.health)

    def leader(self):
        return self._next(self.leaders)

    def raft_index(self, path, stale=False):
        leader, own = self._next(self.indexes, count=stale)
        return own if stale else leader


def servers(voters=None, **healthy):
    return {"Servers": [{"Name": name, "Healthy": state, "Voter": name in (voters or healthy)}
                        for name, state in sorted(healthy.items())]}


def test_peers_healthy_ignores_the_server_about_to_restart_and_waits_for_the_others():
    clock = FakeClock()
    cluster = FakeCluster(health=[servers(node1=False, node2=False, node3=True), servers(node1=False, node2=True, node3=True)])
    held, waited, why_not, details = wait_for("peers_healthy", cluster, "node1", 10, 0.5, clock, clock.sleep)
    assert held and waited == 0.5
    assert details["servers"][1] == {"name": "node2", "healthy": True, "voter": True}


def test_peers_healthy_times_out_naming_the_unhealthy_server():
    clock = FakeClock()
    cluster = FakeCluster(health=[servers(node1=True, node2=False, node3=True)])
    held, waited, why_not, details = wait_for("peers_healthy", cluster, "node1", 3, 0.5, clock, clock.sleep)
    assert not held and waited == 3 and why_not == "not healthy in Raft: node2"


def test_peers_healthy_waits_until_a_returned_server_is_a_voter_again():
    """node1 was down long enough to be pruned: back, healthy, but a non-voter until autopilot
    promotes it. Restarting node2 then would leave node3 alone of two voters."""
    clock = FakeClock()
    cluster = FakeCluster(health=[servers(voters=["node2", "node3"], node1=True, node2=True, node3=True)] * 4
                          + [servers(node1=True, node2=True, node3=True)])
    held, waited, why_not, details = wait_for("peers_healthy", cluster, "node2", 10, 0.5, clock, clock.sleep)
    assert held and waited == 2


def test_peers_healthy_times_out_naming_the_servers_that_are_not_voters():
    clock = FakeClock()
    cluster = FakeCluster(health=[servers(voters=["node2", "node3"], node1=True, node2=True, node3=True)])
    held, waited, why_not, details = wait_for("peers_healthy", cluster, "node2", 3, 0.5, clock, clock.sleep)
    assert not held and why_not == "without node2, 1 of 2 voters would be left, fewer than a quorum; not voters (yet): node1"


def test_a_broken_server_can_be_restarted_when_the_others_are_a_quorum():
    clock = FakeClock()
    cluster = FakeCluster(health=[servers(node1=False, node2=True, node3=True)])
    held, waited, why_not, details = wait_for("peers_healthy", cluster, "node1", 3, 0.5, clock, clock.sleep)
    assert held and waited == 0


def test_an_agent_that_does_not_answer_yet_is_polled_again():
    clock = FakeClock()
    cluster = FakeCluster(leaders=[ConsulError("cannot reach the Consul agent"), "", "10.0.0.1:8300"])
    held, waited, why_not, details = wait_for("leader", cluster, None, 10, 1, clock, clock.sleep)
    assert held and waited == 2 and details == {"leader": "10.0.0.1:8300"}


def test_caught_up_waits_until_the_own_index_reaches_the_leaders():
    clock = FakeClock()
    cluster = FakeCluster(indexes=[(130, 120), (130, 120), (131, 131)])
    held, waited, why_not, details = wait_for("caught_up", cluster, None, 10, 0.5, clock, clock.sleep)
    assert held and details["indexes"]["/v1/health/state/any"] == {"leader": 131, "own": 131}


def test_caught_up_fails_saying_how_far_behind():
    clock = FakeClock()
    cluster = FakeCluster(indexes=[(130, 12)])
    held, waited, why_not, details = wait_for("caught_up", cluster, None, 2, 0.5, clock, clock.sleep)
    assert not held and "/v1/catalog/services at index 12, the leader's at 130" in why_not


def run_with_fake_clock(monkeypatch, cluster, **args):
    """The module's main() with its waits on a fake clock: a timeout passes at once."""
    clock = FakeClock()
    real_wait_for = consul_cluster_wait.wait_for
    monkeypatch.setattr(consul_cluster_wait, "wait_for",
                        lambda *wait, **options: real_wait_for(*wait, clock=clock, sleep=clock.sleep))
    return run_module(monkeypatch, consul_cluster_wait, cluster, **args)


def test_the_module_fails_when_the_wait_times_out(monkeypatch):
    result = run_with_fake_clock(monkeypatch, FakeCluster(leaders=[""]), condition="leader", timeout=3, poll_interval=1)
    assert result.get("failed") is True, "a timed-out wait returned ok"
    assert result["msg"] == "waited 3.0s for leader at http://127.0.0.1:8500: no leader is known yet"
    assert result["waited"] == 3 and result["changed"] is False


def test_the_module_fails_when_peers_stay_unhealthy_to_the_timeout(monkeypatch):
    cluster = FakeCluster(health=[servers(node1=True, node2=False, node3=True)])
    result = run_with_fake_clock(monkeypatch, cluster, condition="peers_healthy", node="node1", timeout=2)
    assert result.get("failed") is True and result["msg"].endswith("not healthy in Raft: node2")


def test_the_module_returns_ok_once_the_condition_holds(monkeypatch):
    cluster = FakeCluster(leaders=["", "10.0.0.1:8300"])
    result = run_with_fake_clock(monkeypatch, cluster, condition="leader", timeout=3, poll_interval=1)
    assert "failed" not in result
    assert result == {"changed": False, "waited": 1, "leader": "10.0.0.1:8300"}
