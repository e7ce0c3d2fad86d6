"""3. Provisioning at scale: 1,000 services with a TCP check each, registered on one real agent.

discovery.consul_dns.consul_services does it in one task; the reference is a loop of
community.general.consul_agent_service + consul_agent_check over the same services on a fresh
agent. Both are then re-run unchanged. Wall seconds of each run, and the ratios.
Usage: python benchmarks/provisioning.py [services, default 1000]
"""

import json
import os
import sys
import tempfile
import time

from bench import report, say
from harness import ConsulAgent, run_playbook

OURS = """
- hosts: localhost
  gather_facts: false
  tasks:
    - discovery.consul_dns.consul_services:
        port: "{{ port }}"
        set_name: bench
        services: "{{ services }}"
"""

PEER = """
- hosts: localhost
  gather_facts: false
  tasks:
    - community.general.consul_agent_service:
        port: "{{ port }}"
        id: "{{ item.id }}"
        name: "{{ item.name }}"
        address: "{{ item.address }}"
      loop: "{{ services }}"
    - community.general.consul_agent_check:
        port: "{{ port }}"
        name: "{{ item.id }} tcp"
        id: "{{ item.id }}-tcp"
        service_id: "{{ item.id }}"
        tcp: "{{ item.checks[0].tcp }}"
        interval: "{{ item.checks[0].interval }}"
      loop: "{{ services }}"
"""


def timed_run(playbook, agent, services, workdir):
    path = os.path.join(workdir, "playbook.yml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(playbook)
    variables = os.path.join(workdir, "vars.json")
    with open(variables, "w", encoding="utf-8") as handle:
        json.dump(dict(port=agent.ports["http"], services=services), handle)
    start = time.monotonic()
    returncode, output, stats = run_playbook(path, extra_vars="@" + variables)
    elapsed = time.monotonic() - start
    if returncode != 0:
        raise SystemExit(output[-3000:])
    return elapsed, stats["localhost"]["changed"]


def measure(name, node_name, playbook, services):
    agent = ConsulAgent(node_name).start()
    try:
        with tempfile.TemporaryDirectory() as workdir:
            say("%s: first run, %d services" % (name, len(services)))
            first, changed = timed_run(playbook, agent, services, workdir)
            registered = len(agent.api("GET", "/v1/agent/services"))
            say("%s: %.1f s, %d tasks changed, %d services on the agent; re-run" % (name, first, changed, registered))
            again, changed_again = timed_run(playbook, agent, services, workdir)
            say("%s: re-run %.1f s, %d tasks changed" % (name, again, changed_again))
            return first, again, changed_again
    finally:
        agent.stop()


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    # TCP checks aim at loopback addresses nothing listens on: they run, fail, and send nothing out
    services = [dict(id="bench-%d" % i, name="bench-%d" % (i % 50), address="127.0.2.%d" % (1 + i % 250),
                     checks=[dict(tcp="127.0.2.%d:9" % (1 + i % 250), interval="30s")]) for i in range(count)]
    ours = measure("consul_services", "bench-ours", OURS, services)
    peer = measure("community.general loop", "bench-peer", PEER, services)
    report("consul_services, %d services, first run" % count, ours[0], "s", "community.general loop", peer[0])
    report("consul_services, unchanged re-run", ours[1], "s", "community.general loop re-run", peer[1])
    print("    speed-up %.1fx first run, %.1fx re-run; tasks changed on re-run: ours %d, peer %d"
          % (peer[0] / ours[0], peer[1] / ours[1], ours[2], peer[2]))


if __name__ == "__main__":
    main()
