#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: consul_status
short_description: The cluster at a glance - Raft, every service's instances, what the forwarders answer, the keyring
version_added: 0.6.0
description:
  - Reads, from one agent, the Raft peers and the leader, every service with each instance's health,
    the gossip keyring and the agent's Consul version with its known advisories; asks each of
    O(dns_servers) for every service's name, as a client would, and compares the addresses with the
    instances that pass.
  - Returns what it read and RV(problems), one line each. No leader, a server that is not a voter,
    fewer servers than O(servers), an instance that does not pass, a DNS server whose answer differs
    from the passing instances (an instance whose address is another service's name in O(domain)
    counting as that service's passing instances), or that does not answer, a keyring of more than one key or one that
    not every member holds. Never fails on a problem; the playbook C(status.yml) does.
  - Needs C(operator:read), C(keyring:read), C(node:read) and C(service:read) on every name (the management token).
  - Keys are shown by the first 12 hex digits of their SHA-256 digest, never themselves.
extends_documentation_fragment:
  - discovery.consul_dns.connection
attributes:
  check_mode:
    support: full
    description: Only reads; the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes.
options:
  servers:
    description: How many servers the cluster is to have (a problem when Raft has fewer); 0 does not check.
    type: int
    default: 0
  dns_servers:
    description:
      - Addresses of DNS servers (the forwarders) to ask for every service, on port 53, over TCP
        (so that no answer is cut to Consul's udp_answer_limit).
    type: list
    elements: str
    default: []
  domain:
    description: The Consul domain the names are asked in (C(<service>.service.<domain>)).
    type: str
    default: consul
  dns_timeout:
    description: Seconds to wait for each DNS answer.
    type: float
    default: 2
  accepted_advisories:
    description: Advisory IDs (and reviewed versions) the operator accepts, as the consul role's C(consul_accepted_advisories).
    type: list
    elements: str
    default: []
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: The cluster at a glance
  discovery.consul_dns.consul_status:
    token: "{{ consul_management_token }}"
    servers: 3
    dns_servers: [10.89.50.31, 10.89.50.32]
    domain: zhangeamon.com
  register: status

- name: Fail when something is wrong
  ansible.builtin.assert:
    that: status.problems | length == 0
    fail_msg: "{{ status.problems }}"
"""

RETURN = r"""
leader:
  description: The leader's node name, or an empty string.
  returned: success
  type: str
  sample: node2
peers:
  description: The Raft peers.
  returned: success
  type: list
  elements: dict
  sample: [{node: node1, address: "10.89.50.11:8300", voter: true, leader: false}]
services:
  description: Each service (but C(consul)) with its instances, each with its node, address, port and health.
  returned: success
  type: dict
  sample: {web: [{node: web1, address: 10.89.50.21, port: 8000, status: passing}]}
dns:
  description: For each DNS server, each service's name and the addresses answered (or what went wrong, as a string).
  returned: success
  type: dict
  sample: {10.89.50.31: {web: [10.89.50.21, 10.89.50.22]}}
keyring:
  description: Each gossip pool with its members and its keys (by digest), each key with how many members hold it.
  returned: success
  type: list
  elements: dict
  sample: [{pool: LAN dc bj, members: 8, keys: {"sha256:0b6fe911b091": 8}, primary: {"sha256:0b6fe911b091": 8}}]
version:
  description: The agent's Consul version.
  returned: success
  type: str
  sample: 1.8.7
advisories:
  description: The known advisories of that version the operator did not accept.
  returned: success
  type: list
  elements: str
problems:
  description: What is wrong, one line each; empty when nothing is.
  returned: success
  type: list
  elements: str
  sample: ["web on web2 (10.89.50.22) is critical", "DNS 10.89.50.31 answers web with 10.89.50.21, 10.89.50.22; passing: 10.89.50.21"]
"""

from ansible_collections.discovery.consul_dns.plugins.module_utils.advisories import report
from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_module import ConsulModule
from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_settings import gossip_key_digest
from ansible_collections.discovery.consul_dns.plugins.module_utils.dns_names import is_ip_address
from ansible_collections.discovery.consul_dns.plugins.module_utils.dns_resolver import HAS_DNSPYTHON, DnsError, DnsResolver

# a worse status wins when an instance has several checks
SEVERITY = ("passing", "warning", "critical")


def peers_of(configuration):
    return [dict(node=server.get("Node", ""), address=server.get("Address", ""), voter=bool(server.get("Voter")),
                 leader=bool(server.get("Leader"))) for server in (configuration or {}).get("Servers") or []]


def instance_of(entry):
    node, service = entry.get("Node") or {}, entry.get("Service") or {}
    statuses = [check.get("Status") for check in entry.get("Checks") or []]
    if any((check.get("CheckID") or "").startswith(("_service_maintenance", "_node_maintenance"))
           for check in entry.get("Checks") or []):
        status = "maintenance"
    else:
        status = max((s for s in statuses if s in SEVERITY), key=SEVERITY.index, default="passing")
    return dict(node=node.get("Node", ""), address=service.get("Address") or node.get("Address", ""),
                port=service.get("Port") or 0, status=status)


def keyring_of(pools):
    view = []
    for pool in pools or []:
        name = "WAN" if pool.get("WAN") else "LAN dc %s" % (pool.get("Datacenter") or "?")
        view.append(dict(pool=name, members=pool.get("NumNodes", 0),
                         keys=dict((gossip_key_digest(key), count) for key, count in (pool.get("Keys") or {}).items()),
                         primary=dict((gossip_key_digest(key), count) for key, count in (pool.get("PrimaryKeys") or {}).items())))
    return view


def expected_answer(name, services, domain, depth=0):
    """The addresses a client is to get for ``name``: its passing instances' addresses, an instance
    whose address is another service's name in the domain (an alias) counting as that service's;
    None when an instance's address is any other name (then there is nothing to compare)."""
    suffix = ".service." + domain
    addresses = set()
    for instance in services.get(name, []):
        if instance["status"] != "passing":
            continue
        address = instance["address"]
        if is_ip_address(address):
            addresses.add(address)
            continue
        target = address.rstrip(".").lower()
        if depth >= 3 or not target.endswith(suffix):
            return None
        followed = expected_answer(target[:-len(suffix)], services, domain, depth + 1)
        if followed is None:
            return None
        addresses.update(followed)
    return sorted(addresses)


def problems_of(leader, peers, services, dns_answers, keyring, servers, domain="consul"):
    problems = []
    if not leader:
        problems.append("no Raft leader")
    for peer in peers:
        if not peer["voter"]:
            problems.append("server %s (%s) is not a voter" % (peer["node"], peer["address"]))
    if servers and len(peers) < servers:
        problems.append("Raft has %d servers, %d wanted" % (len(peers), servers))
    for name, instances in sorted(services.items()):
        for instance in instances:
            if instance["status"] != "passing":
                problems.append("%s on %s (%s) is %s" % (name, instance["node"], instance["address"], instance["status"]))
    for server, answers in sorted(dns_answers.items()):
        for name, answer in sorted(answers.items()):
            passing = expected_answer(name, services, domain)
            if isinstance(answer, str):
                problems.append("DNS %s gives no answer for %s: %s" % (server, name, answer))
            elif passing is not None and answer != passing:
                problems.append("DNS %s answers %s with %s; passing: %s" % (
                    server, name, ", ".join(answer) or "nothing", ", ".join(passing) or "none"))
    for pool in keyring:
        if len(pool["keys"]) != 1 or list(pool["keys"].values()) != [pool["members"]]:
            problems.append("gossip keyring %s: %s held by %d members (one key held by all is healthy)" % (
                pool["pool"], ", ".join("%s on %d" % item for item in sorted(pool["keys"].items())), pool["members"]))
    return problems


def ask(server, name, timeout):
    """The addresses a DNS server answers for name (sorted; over TCP, so that no answer is cut to
    Consul's udp_answer_limit), or what went wrong as a string."""
    try:
        return sorted(DnsResolver(server, 53, timeout).addresses(name))
    except DnsError as exc:
        return str(exc)


def main():
    module = ConsulModule(argument_spec=dict(
        servers=dict(type="int", default=0),
        dns_servers=dict(type="list", elements="str", default=[]),
        domain=dict(type="str", default="consul"),
        dns_timeout=dict(type="float", default=2),
        accepted_advisories=dict(type="list", elements="str", default=[]),
    ))
    params = module.params
    if params["dns_servers"] and not HAS_DNSPYTHON:
        module.fail("dns_servers: the dnspython library is required to ask them")
    with module.errors():
        client = module.client
        peers = peers_of(client.raft_configuration())
        leader = next((peer["node"] for peer in peers if peer["leader"]), "")
        services = {}
        for name in sorted(client.catalog_services()):
            if name != "consul":
                services[name] = sorted((instance_of(entry) for entry in client.service_instances(name, passing=None)),
                                        key=lambda instance: (instance["node"], instance["address"]))
        keyring = keyring_of(client.keyring())
        version = (client.agent_self().get("Config") or {}).get("Version", "")
    domain = params["domain"].strip(".")
    dns_answers = dict((server, dict((name, ask(server, "%s.service.%s" % (name, domain), params["dns_timeout"]))
                                     for name in services))
                       for server in params["dns_servers"])
    advisories = report(version, params["accepted_advisories"])
    module.exit(leader=leader, peers=peers, services=services, dns=dns_answers, keyring=keyring,
                version=advisories["version"] or version, advisories=advisories["advisories"],
                problems=problems_of(leader, peers, services, dns_answers, keyring, params["servers"], domain.lower()))


if __name__ == "__main__":
    main()
