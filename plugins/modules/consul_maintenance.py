#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: consul_maintenance
short_description: Take a service instance or a whole node out of Consul's answers and put it back
version_added: 0.3.0
description:
  - Puts one service instance (O(service_id)) or the agent's whole node (no O(service_id)) into
    maintenance or out of it, through the agent's API. In maintenance, Consul adds a critical check
    (C(_service_maintenance:<id>) or C(_node_maintenance)), so the instance leaves DNS answers and the
    HTTP API's healthy instances at once, without waiting for its health checks.
  - Idempotent by that check. Consul keeps the reason of a maintenance already on; another reason
    does not turn it off and on again (that would put the instance back for a moment).
  - With O(wait_for_dns), it returns only once the resolvers clients use (the dnsmasq forwarders)
    answer accordingly. With O(state=enabled), once none of them answers the instance's address for
    any of the names any more; with O(state=disabled), once all of them answer it again for every
    name (after its checks pass). Cached answers count, which is the point, since a client may only be sent
    elsewhere once no resolver hands out the address.
  - Registering the service again (M(discovery.consul_dns.consul_service), the role
    P(discovery.consul_dns.consul#role)) ends its maintenance, as Consul drops the maintenance check with the old
    registration. Deploy tasks that register the service should put it into maintenance again, or run
    before this module takes it out.
  - Service maintenance needs C(service:write) on the service, node maintenance C(node:write) on the
    node (the host's own token of the role P(discovery.consul_dns.consul#role) has both).
extends_documentation_fragment:
  - discovery.consul_dns.connection
  - discovery.consul_dns.attributes
attributes:
  diff_mode:
    details: Shows whether maintenance is on, and its reason.
options:
  state:
    description: V(enabled) puts the instance (or node) into maintenance, V(disabled) takes it out.
    type: str
    choices: [enabled, disabled]
    required: true
  service_id:
    description: The service instance on this agent. Without it, the agent's whole node.
    type: str
  reason:
    description: Why, shown with the maintenance check (for instance the deploy's name).
    type: str
  wait_for_dns:
    description: Wait until these resolvers answer accordingly (see the description). Needs dnspython on the host.
    type: dict
    suboptions:
      resolvers:
        description: The resolvers, each an IP address optionally with C(#port) (C(10.1.88.31), C(127.0.0.1#8600)).
        type: list
        elements: str
        required: true
      names:
        description:
          - The DNS names to ask. Defaults to C(<service>.service.<domain>) of O(service_id)'s service.
          - Add an alias's name to wait for it too. Required for node maintenance.
        type: list
        elements: str
      domain:
        description: Consul's DNS domain, for the default name.
        type: str
        default: consul
      address:
        description:
          - The address the resolvers answer for the instance. Defaults to the service's address,
            else the node's (as Consul answers it).
          - An IP address; compared in canonical form (C(fd00::1) and C(FD00::0001) are the same).
        type: str
  wait_for_checks:
    description:
      - With O(state=disabled), first wait until every health check of the instance (of the node and all
        its services, for node maintenance) passes, besides the maintenance check itself; if they do not
        within O(wait_timeout), fail and leave the maintenance on, so a backend that did not come back
        healthy never returns to the answers, even for a check interval.
    type: bool
    default: false
  checks_passing_for:
    description:
      - With O(wait_for_checks), how many seconds every check must keep passing, without a break, first.
      - A check with C(failures_before_critical) keeps reporting passing for that many intervals after
        its target went down, so a backend a deploy left down still looks healthy for a while. The
        filter P(discovery.consul_dns.check_hold_seconds#filter) gives the time for a set of checks.
    type: float
    default: 0
  wait_timeout:
    description: Seconds to wait at most for each wait; the module then fails naming what each resolver still answered or missed.
    type: float
    default: 60
  wait_interval:
    description: Seconds between two rounds of questions.
    type: float
    default: 0.2
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: Take web01 out of DNS before its deploy, and wait until no forwarder answers it
  discovery.consul_dns.consul_maintenance:
    service_id: web01
    state: enabled
    reason: deploy 2026-11-26
    wait_for_dns:
      resolvers: [10.1.88.31, 10.1.88.32]
      domain: zhangeamon.com
      names: [web.service.zhangeamon.com, web.zhangeamon.com]

- name: Put it back and wait until every forwarder answers it again
  discovery.consul_dns.consul_maintenance:
    service_id: web01
    state: disabled
    wait_for_dns:
      resolvers: [10.1.88.31, 10.1.88.32]
      domain: zhangeamon.com

- name: The whole node, before a reboot
  discovery.consul_dns.consul_maintenance:
    state: enabled
    reason: kernel update
"""

RETURN = r"""
maintenance:
  description: Whether the instance (or node) is in maintenance now (or would be, in check mode), and its reason.
  returned: always
  type: dict
  sample: {enabled: true, reason: deploy 2026-11-26}
checks_wait:
  description: How long the instance's checks took to pass, with O(wait_for_checks), and the checks not passing if they did not.
  returned: when O(wait_for_checks) applies, outside check mode
  type: dict
  sample: {seconds: 3.1, not_passing: []}
dns_wait:
  description: How long the resolvers took to answer accordingly, what was asked and for which address.
  returned: when O(wait_for_dns) is given, outside check mode
  type: dict
  sample: {seconds: 2.4, address: 10.1.88.21, names: [web.service.zhangeamon.com], resolvers: [10.1.88.31]}
"""

import time

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_module import ConsulModule, OptionError
from ansible_collections.discovery.consul_dns.plugins.module_utils.dns_names import parse_dns_server, parse_ip_address
from ansible_collections.discovery.consul_dns.plugins.module_utils.dns_resolver import HAS_DNSPYTHON, DnsError, DnsResolver

NODE_CHECK = "_node_maintenance"
SERVICE_CHECK = "_service_maintenance:%s"


def current_maintenance(checks, service_id):
    check = checks.get(SERVICE_CHECK % service_id if service_id else NODE_CHECK)
    return dict(enabled=check is not None, reason=(check or {}).get("Notes", ""))


def checks_not_passing(checks, service_id):
    """The instance's checks (the node's and all services', without service_id) that do not pass,
    the maintenance checks left out."""
    return sorted(check_id for check_id, check in checks.items()
                  if check_id != NODE_CHECK and not check_id.startswith(SERVICE_CHECK % "")
                  and (not service_id or check.get("ServiceID") == service_id) and check.get("Status") != "passing")


def wait_until_passing(client, service_id, timeout, interval, passing_for=0.0, clock=time.monotonic, sleep=time.sleep):
    """(seconds waited, checks not passing at the end): every check passing, without a break, for
    ``passing_for`` seconds."""
    start = clock()
    passing_since = None
    while True:
        failing = checks_not_passing(client.agent_checks(), service_id)
        now = clock()
        passing_since = None if failing else (now if passing_since is None else passing_since)
        if passing_since is not None and now - passing_since >= passing_for:
            return round(now - start, 2), []
        if now - start >= timeout:
            return round(now - start, 2), failing or ["(passing for less than %ss)" % passing_for]
        sleep(interval)


def checked_dns_wait(wait):
    """The resolvers and address of wait_for_dns in canonical form; ValueError naming the option
    for anything the strict parser refuses (what the module reports back goes to logs and diffs)."""
    resolvers = [parse_dns_server(server) for server in wait["resolvers"]]
    refused = [server for server, parsed in zip(wait["resolvers"], resolvers) if parsed is None]
    if refused or not resolvers:
        raise ValueError("wait_for_dns.resolvers must be IP addresses, each optionally with #port; refused: %s" % refused)
    address = None
    if wait.get("address"):
        address = parse_ip_address(wait["address"])
        if address is None:
            raise ValueError("wait_for_dns.address must be an IP address, got %r" % wait["address"])
    return resolvers, address


def resolver_for(server, timeout):
    address, port = server.partition("#")[::2]
    return DnsResolver(address, int(port or 53), timeout)


def dns_mismatches(resolvers, names, address, wanted):
    """What still contradicts the wanted state: ``resolver name`` lines answering the address
    (wanted absent) or not answering it (wanted present)."""
    mismatches = []
    for server, resolver in resolvers:
        for name in names:
            try:
                answered = address in set(parse_ip_address(a) for a in resolver.addresses(name))
            except DnsError as exc:
                mismatches.append("%s: %s" % (server, exc))
                continue
            if answered != wanted:
                mismatches.append("%s %s %s" % (server, "still answers it for" if answered else "does not answer it for", name))
    return mismatches


def wait_for_answers(resolvers, names, address, wanted, timeout, interval, clock=time.monotonic, sleep=time.sleep):
    """(seconds waited, mismatches left): an empty list once every resolver answers as wanted."""
    start = clock()
    while True:
        mismatches = dns_mismatches(resolvers, names, address, wanted)
        waited = clock() - start
        if not mismatches or waited >= timeout:
            return round(waited, 2), mismatches
        sleep(interval)


def main():
    module = ConsulModule(argument_spec=dict(
        state=dict(type="str", choices=["enabled", "disabled"], required=True),
        service_id=dict(type="str"),
        reason=dict(type="str"),
        wait_for_dns=dict(type="dict", options=dict(
            resolvers=dict(type="list", elements="str", required=True),
            names=dict(type="list", elements="str"),
            domain=dict(type="str", default="consul"),
            address=dict(type="str"),
        )),
        wait_for_checks=dict(type="bool", default=False),
        checks_passing_for=dict(type="float", default=0.0, no_log=False),
        wait_timeout=dict(type="float", default=60.0),
        wait_interval=dict(type="float", default=0.2),
    ))
    params = module.params
    wait = params["wait_for_dns"]
    service_id = params["service_id"]
    enable = params["state"] == "enabled"
    what = "service %s" % service_id if service_id else "this node"

    with module.errors():
        if wait:
            if not HAS_DNSPYTHON:
                module.fail(missing_required_lib("dnspython") + " (for wait_for_dns)")
            try:
                wait["resolvers"], wait["address"] = checked_dns_wait(wait)
            except ValueError as exc:
                module.fail(str(exc))
            if not service_id and not wait["names"]:
                module.fail("wait_for_dns.names is required for node maintenance (no service_id)")

        client = module.client
        service = None
        if service_id:
            service = client.agent_service(service_id)
            if service is None:
                raise OptionError("service_id", "%s is not registered on the agent at %s" % (service_id, client.url))
        before = current_maintenance(client.agent_checks(), service_id)
        # maintenance already on keeps its reason
        after = dict(enabled=False, reason="") if not enable else \
            before if before["enabled"] else dict(enabled=True, reason=params["reason"] or "")
        module.result["maintenance"] = before
        changed = module.change(before, after)
        if changed and not enable and params["wait_for_checks"] and not module.check_mode:
            seconds, failing = wait_until_passing(client, service_id, params["wait_timeout"], params["wait_interval"],
                                                  params["checks_passing_for"])
            module.result["checks_wait"] = dict(seconds=seconds, not_passing=failing)
            if failing:
                module.result["changed"] = False
                module.fail("%s stays in maintenance: after %ss its checks %s do not pass" % (
                    what, params["wait_timeout"], ", ".join(failing)))
        if changed:
            module.apply(client.set_maintenance, enable, params["reason"], service_id)
        module.result["maintenance"] = after
        if wait and not module.check_mode:
            address = wait["address"] or (service or {}).get("Address") or client.node_address()
            # Consul's own text may be in another form than the resolvers' answers (FD00::0001)
            address = parse_ip_address(address) or address
            names = wait["names"] or ["%s.service.%s" % (service["Service"], wait["domain"].strip("."))]
            resolvers = [(server, resolver_for(server, min(2.0, params["wait_timeout"]))) for server in wait["resolvers"]]
            seconds, mismatches = wait_for_answers(resolvers, names, address, not enable, params["wait_timeout"],
                                                   params["wait_interval"])
            module.result["dns_wait"] = dict(seconds=seconds, address=address, names=names, resolvers=wait["resolvers"])
            if mismatches:
                module.fail("%s %s maintenance, but after %ss: %s" % (
                    what, "is in" if enable else "is out of", params["wait_timeout"], "; ".join(mismatches)))
    module.exit()


if __name__ == "__main__":
    main()
