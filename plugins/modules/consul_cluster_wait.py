#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: consul_cluster_wait
short_description: Wait until a Consul cluster is fit for the next step of a rolling change
version_added: 0.3.0
description:
  - Polls the agent until a condition holds, and fails naming what was still wrong when O(timeout) runs out.
  - O(condition=leader) a leader is known.
  - O(condition=peers_healthy) every server but O(node) is healthy in Raft as the leader's autopilot
    sees it (alive, in contact with the leader, caught up with its log), and the voters among them
    are a quorum of all voters. That is the moment a server may be restarted without two servers
    being down at once, or a quorum lost to a server that came back and is not a voter again yet.
    Needs C(operator:read) (the management token).
  - O(condition=caught_up) the agent's own answers (stale reads, served by its server state) are as
    recent as the leader's for the catalog and health state. On a server just restarted, the moment
    it stops answering from the state it is still replaying.
  - O(condition=checks_passing) every check named in O(checks) passes, in the agent's own state and in the
    servers' catalog (what DNS answers from). A client agent just restarted reloads its checks critical and
    syncs that to the servers before they pass again, so its instances leave the answers for a moment; a
    rolling restart that waits for this before the next host keeps two backends from being out at once.
    Its result's RV(passing) lists the checks passing now; read before a restart (O(checks=[]), which
    holds at once), it is what to wait for after it.
  - While the agent does not answer (it is starting), the module keeps polling.
  - The role P(discovery.consul_dns.consul#role) restarts servers one at a time with it.
extends_documentation_fragment:
  - discovery.consul_dns.connection
attributes:
  check_mode:
    support: full
    description: Only reads; waits in check mode too.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show.
options:
  condition:
    description: What to wait for.
    type: str
    choices: [leader, peers_healthy, caught_up, checks_passing]
    required: true
  node:
    description:
      - The server left out of O(condition=peers_healthy), usually the one about to restart.
      - The agent's own node name, with O(condition=checks_passing).
    type: str
  checks:
    description:
      - The check IDs O(condition=checks_passing) waits for; the node's maintenance checks are never among
        RV(passing). Empty, the condition holds at once (a read of what passes).
    type: list
    elements: str
    default: []
  timeout:
    description: Seconds to wait at most.
    type: float
    default: 60
  poll_interval:
    description: Seconds between two polls.
    type: float
    default: 0.5
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: Wait until every other server is healthy in Raft
  discovery.consul_dns.consul_cluster_wait:
    condition: peers_healthy
    node: node1
    token: "{{ consul_management_token }}"
    timeout: 60

- name: Restart consul
  ansible.builtin.systemd_service:
    name: consul
    state: restarted

- name: Wait until it answers as recently as the leader
  discovery.consul_dns.consul_cluster_wait:
    condition: caught_up

- name: Read which of the agent's checks pass before it restarts
  discovery.consul_dns.consul_cluster_wait:
    condition: checks_passing
    node: web1
    timeout: 0
  register: before

- name: After the restart, wait until they pass again, for the agent and for the servers
  discovery.consul_dns.consul_cluster_wait:
    condition: checks_passing
    node: web1
    checks: "{{ before.passing }}"
    timeout: 60
"""

RETURN = r"""
waited:
  description: Seconds waited until the condition held.
  returned: success
  type: float
  sample: 1.52
leader:
  description: The leader's address, with O(condition=leader).
  returned: when O(condition=leader)
  type: str
  sample: 10.89.50.11:8300
servers:
  description: Each server's name and Raft health, with O(condition=peers_healthy).
  returned: when O(condition=peers_healthy)
  type: list
  elements: dict
  sample: [{name: node2, healthy: true}, {name: node3, healthy: true}]
indexes:
  description: For each path read, the leader's index and the agent's own, with O(condition=caught_up).
  returned: when O(condition=caught_up)
  type: dict
  sample: {/v1/catalog/services: {leader: 130, own: 130}}
passing:
  description: The agent's checks passing in its own state and in the catalog, with O(condition=checks_passing).
  returned: when O(condition=checks_passing)
  type: list
  elements: str
  sample: ["service:web01"]
"""

import time

from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_client import ConsulError
from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_module import ConsulModule

# the reads a restarted server answers from its own state first (the DNS interface serves both)
CAUGHT_UP_PATHS = ("/v1/catalog/services", "/v1/health/state/any")


def leader_known(client, node, checks):
    leader = client.leader()
    return bool(leader), "no leader is known yet" if not leader else "", dict(leader=leader)


def peers_healthy(client, node, checks):
    servers = [dict(name=server.get("Name"), healthy=bool(server.get("Healthy")), voter=bool(server.get("Voter")))
               for server in (client.autopilot_health() or {}).get("Servers") or []]
    unhealthy = [server["name"] for server in servers if server["name"] != node and not server["healthy"]]
    if not servers:
        return False, "autopilot reports no servers (no leader yet?)", dict(servers=servers)
    if unhealthy:
        return False, "not healthy in Raft: %s" % ", ".join(sorted(unhealthy)), dict(servers=servers)
    # A server that was down long enough is pruned and comes back a non-voter, promoted only once
    # stable: healthy, but no part of the quorum yet.
    voters = [server for server in servers if server["voter"]]
    remaining = [server for server in voters if server["name"] != node]
    quorum = len(voters) // 2 + 1
    if len(remaining) < quorum:
        return False, "without %s, %d of %d voters would be left, fewer than a quorum; not voters (yet): %s" % (
            node, len(remaining), len(voters), ", ".join(sorted(s["name"] for s in servers if not s["voter"])) or "none"
        ), dict(servers=servers)
    return True, "", dict(servers=servers)


def caught_up(client, node, checks):
    indexes = {}
    behind = []
    for path in CAUGHT_UP_PATHS:
        leader = client.raft_index(path)
        own = client.raft_index(path, stale=True)
        indexes[path] = dict(leader=leader, own=own)
        if not leader or own < leader:
            behind.append("%s at index %d, the leader's at %d" % (path, own, leader))
    return not behind, "the agent's own state is behind: %s" % "; ".join(behind), dict(indexes=indexes)


# a node or service in maintenance mode: the operator's, never waited for
MAINTENANCE_CHECKS = ("_node_maintenance", "_service_maintenance:")


def checks_passing(client, node, checks):
    own = client.agent_checks()
    catalog = dict((check.get("CheckID"), check.get("Status")) for check in client.node_checks(node))
    passing = sorted(check_id for check_id, check in own.items()
                     if check.get("Status") == "passing" and catalog.get(check_id) == "passing"
                     and not check_id.startswith(MAINTENANCE_CHECKS))
    waiting = sorted(set(checks) - set(passing))
    why_not = "; ".join("%s is %s here and %s on the servers" % (
        check_id, own.get(check_id, {}).get("Status", "absent"), catalog.get(check_id, "absent")) for check_id in waiting)
    return not waiting, why_not, dict(passing=passing)


# each condition: (client, node, checks) -> (held, why not, details)
CONDITIONS = {"leader": leader_known, "peers_healthy": peers_healthy, "caught_up": caught_up, "checks_passing": checks_passing}


def wait_for(condition, client, node, timeout, poll_interval, clock=time.monotonic, sleep=time.sleep, checks=()):
    """(held, seconds waited, why not, details of the last poll)."""
    start = clock()
    while True:
        try:
            held, why_not, details = CONDITIONS[condition](client, node, checks)
        except ConsulError as exc:   # not answering yet (starting), or no leader to forward to
            held, why_not, details = False, str(exc), {}
        waited = clock() - start
        if held or waited >= timeout:
            return held, round(waited, 2), why_not, details
        sleep(poll_interval)


def main():
    # the module polls itself: each request is tried once (retry=False), and polled again until the timeout
    module = ConsulModule(argument_spec=dict(
        condition=dict(type="str", choices=sorted(CONDITIONS), required=True),
        node=dict(type="str"),
        timeout=dict(type="float", default=60.0),
        poll_interval=dict(type="float", default=0.5),
        checks=dict(type="list", elements="str", default=[]),
    ), retry=False, required_if=[("condition", "peers_healthy", ["node"]), ("condition", "checks_passing", ["node"])])
    params = module.params
    held, waited, why_not, details = wait_for(params["condition"], module.client, params["node"], params["timeout"],
                                              params["poll_interval"], checks=params["checks"])
    module.result.update(waited=waited, **details)
    if not held:
        module.fail("waited %ss for %s at %s: %s" % (params["timeout"], params["condition"], module.client.url, why_not))
    module.exit()


if __name__ == "__main__":
    main()
