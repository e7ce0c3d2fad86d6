"""consul_cluster_wait: what each condition reports when it holds and when not (the servers, the Raft
indexes of each path read), the time waited from any clock, and the module's options and defaults."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from fake_clock import FakeClock
from module_run import run_module
from test_consul_cluster_wait import FakeCluster, run_with_fake_clock, servers

from ansible_collections.discovery.consul_dns.plugins.module_utils import consul_module
from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_client import ConsulError
from ansible_collections.discovery.consul_dns.plugins.modules import consul_cluster_wait
from ansible_collections.discovery.consul_dns.plugins.modules.consul_cluster_wait import wait_for


class PathIndexes(object):
    """raft_index answered by path: (the leader's index, the agent's own)."""

    url = "http://127.0.0.1:8500"

    def __init__(self, **by_path):
        self.by_path = by_path

    def raft_index(self, path, stale=False):
        leader, own = self.by_path[path]
        return own if stale else leader


def once(condition, client, node=None, timeout=0):
    clock = FakeClock()
    return wait_for(condition, client, node, timeout, 0.5, clock, clock.sleep)


# what each condition reports ---------------------------------------------------------------------

def test_a_known_leader_holds_with_nothing_to_explain():
    assert once("leader", FakeCluster(leaders=["10.0.0.1:8300"])) == (True, 0, "", {"leader": "10.0.0.1:8300"})


def test_healthy_peers_hold_with_nothing_to_explain():
    held, _waited, why_not, details = once("peers_healthy", FakeCluster(health=[servers(node1=True, node2=True, node3=True)]), "node1")
    assert (held, why_not) == (True, "")
    assert [s["name"] for s in details["servers"]] == ["node1", "node2", "node3"]


@pytest.mark.parametrize("health", [{"Servers": []}, {}, None])
def test_no_servers_reported_is_no_health(health):
    assert once("peers_healthy", FakeCluster(health=[health]), "node1") == (
        False, 0, "autopilot reports no servers (no leader yet?)", {"servers": []})


def test_every_unhealthy_peer_is_named_in_order():
    cluster = FakeCluster(health=[servers(node1=True, node4=False, node2=False, node3=True)])
    held, _waited, why_not, details = once("peers_healthy", cluster, "node1")
    assert (held, why_not) == (False, "not healthy in Raft: node2, node4")
    assert len(details["servers"]) == 4


def test_a_quorum_short_of_voters_names_the_non_voters_or_none():
    cluster = FakeCluster(health=[servers(voters=["node2", "node3"], node1=True, node2=True, node3=True, node4=True)])
    held, _waited, why_not, details = once("peers_healthy", cluster, "node2")
    assert (held, why_not) == (False, "without node2, 1 of 2 voters would be left, fewer than a quorum; not voters (yet): node1, node4")
    assert len(details["servers"]) == 4
    held, _waited, why_not, details = once("peers_healthy", FakeCluster(health=[servers(node1=True, node2=True)]), "node1")
    assert (held, why_not) == (False, "without node1, 1 of 2 voters would be left, fewer than a quorum; not voters (yet): none")
    assert len(details["servers"]) == 2


def test_caught_up_reads_both_paths_and_names_each_behind():
    client = PathIndexes(**{"/v1/catalog/services": (130, 12), "/v1/health/state/any": (140, 14)})
    held, _waited, why_not, details = once("caught_up", client)
    assert not held and why_not == ("the agent's own state is behind: /v1/catalog/services at index 12, the leader's at 130; "
                                    "/v1/health/state/any at index 14, the leader's at 140")
    assert details == {"indexes": {"/v1/catalog/services": {"leader": 130, "own": 12},
                                   "/v1/health/state/any": {"leader": 140, "own": 14}}}
    client.by_path["/v1/catalog/services"] = (130, 130)
    assert once("caught_up", client)[2] == "the agent's own state is behind: /v1/health/state/any at index 14, the leader's at 140"
    client.by_path["/v1/health/state/any"] = (140, 141)
    assert once("caught_up", client)[0] is True


def test_a_leader_of_no_index_is_not_caught_up_with():
    assert once("caught_up", PathIndexes(**{"/v1/catalog/services": (0, 0), "/v1/health/state/any": (5, 5)}))[0] is False


def test_an_agent_that_never_answers_times_out_with_its_error():
    held, waited, why_not, details = once("leader", FakeCluster(leaders=[ConsulError("cannot reach the Consul agent")]), timeout=2)
    assert (held, waited, why_not, details) == (False, 2, "cannot reach the Consul agent", {})


def test_the_time_waited_is_measured_from_the_start_to_the_hundredth():
    clock = FakeClock()
    clock.now = 1000.0
    held, waited, _why_not, _details = wait_for("leader", FakeCluster(leaders=["", "", "a"]), None, 10, 0.004, clock, clock.sleep)
    assert held and waited == 0.01


# the module --------------------------------------------------------------------------------------

def test_the_module_waits_a_minute_polling_twice_a_second_by_default(monkeypatch):
    cluster = FakeCluster(leaders=[""])
    result = run_with_fake_clock(monkeypatch, cluster, condition="leader")
    assert result["msg"] == "waited 60.0s for leader at http://127.0.0.1:8500: no leader is known yet"
    assert result["waited"] == 60 and cluster.polls == 121


def test_the_module_asks_about_the_node_it_was_given(monkeypatch):
    cluster = FakeCluster(health=[servers(node1=False, node2=True, node3=True)])
    result = run_with_fake_clock(monkeypatch, cluster, condition="peers_healthy", node="node1", timeout=1)
    assert "failed" not in result and len(result["servers"]) == 3


def test_the_module_polls_itself_with_a_client_that_tries_once(monkeypatch):
    clients = []

    def client_from_module(ansible, retry=True):
        clients.append(retry)
        return FakeCluster(leaders=["10.0.0.1:8300"])
    monkeypatch.setattr(consul_module, "client_from_module", client_from_module)
    result = run_module(monkeypatch, consul_cluster_wait, None, condition="leader")
    assert "failed" not in result and len(clients) == 1 and not clients[0]


@pytest.mark.parametrize("args,message", [
    (dict(), "missing required arguments: condition"),
    (dict(condition="peers_healthy"), "condition is peers_healthy but all of the following are missing: node"),
    (dict(condition="checks_passing"), "condition is checks_passing but all of the following are missing: node"),
    (dict(condition="quorum"), "value of condition must be one of: caught_up, checks_passing, leader, peers_healthy, got: quorum"),
])
def test_what_is_missing_or_unknown_is_refused_by_name(monkeypatch, args, message):
    cluster = FakeCluster(leaders=["10.0.0.1:8300"])
    result = run_module(monkeypatch, consul_cluster_wait, cluster, **args)
    assert result["failed"] is True and message in result["msg"]
    assert cluster.polls == 0


# checks_passing: a restarted agent's checks, in its own state and on the servers ---------------

class RestartingAgent(object):
    """The agent's checks and the servers' view of its node, one poll after another: each poll takes the
    next pair ({check id: status} here, {check id: status} on the servers); the last one stays."""

    url = "http://127.0.0.1:8500"

    def __init__(self, *polls):
        self.polls, self.node_asked = list(polls), []

    def _poll(self):
        return self.polls[0] if len(self.polls) == 1 else self.polls.pop(0)

    def agent_checks(self):
        own, _servers = self.polls[0]
        return dict((check_id, {"CheckID": check_id, "Status": status}) for check_id, status in own.items())

    def node_checks(self, node):
        self.node_asked.append(node)
        _own, on_servers = self._poll()
        return [{"CheckID": check_id, "Status": status} for check_id, status in on_servers.items()]


WEB = "service:web01"


def wait_checks(agent, checks, timeout=10):
    clock = FakeClock()
    return wait_for("checks_passing", agent, "web1", timeout, 0.5, clock, clock.sleep, checks=checks)


def test_a_read_before_the_restart_holds_at_once_and_lists_only_what_passes_in_both_places_never_maintenance():
    agent = RestartingAgent(({WEB: "passing", "service:api": "critical", "web-disk": "passing", "_node_maintenance": "passing",
                              "_service_maintenance:web01": "passing"},
                             {WEB: "passing", "service:api": "critical", "web-disk": "critical", "serfHealth": "passing",
                              "_node_maintenance": "passing", "_service_maintenance:web01": "passing"}))
    assert wait_checks(agent, []) == (True, 0, "", {"passing": [WEB]})
    assert agent.node_asked == ["web1"]


def test_the_wait_lasts_through_the_critical_reload_and_the_servers_catching_up():
    agent = RestartingAgent(({WEB: "critical"}, {WEB: "passing"}),    # reloaded critical, not synced yet
                            ({WEB: "critical"}, {WEB: "critical"}),   # synced: out of the answers
                            ({WEB: "passing"}, {WEB: "critical"}),    # passing here, not yet on the servers
                            ({WEB: "passing"}, {WEB: "passing"}))
    held, waited, why_not, details = wait_checks(agent, [WEB])
    assert (held, waited, why_not, details) == (True, 1.5, "", {"passing": [WEB]})


def test_a_check_that_does_not_pass_again_is_named_with_both_states_when_the_time_is_up():
    agent = RestartingAgent(({WEB: "passing"}, {WEB: "critical"}))
    held, waited, why_not, _details = wait_checks(agent, [WEB, "gone"], timeout=2)
    assert (held, waited) == (False, 2)
    assert why_not == "gone is absent here and absent on the servers; %s is passing here and critical on the servers" % WEB
