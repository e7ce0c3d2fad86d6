#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: dns_probe
short_description: Check from a host that DNS servers answer it, before its resolver is pointed at them
version_added: 0.5.0
description:
  - This module is for internal collection use only (the roles of this collection run it); its options
    and results may change in any release.
  - Sends one DNS question (type A, recursion desired) over UDP to each of O(servers) from the host, at
    once, asking again once halfway through O(timeout), and reports which answered. An answer is a reply
    with the question's ID whose code is NOERROR or NXDOMAIN; REFUSED, SERVFAIL, an ICMP error or
    silence count as no answer.
  - Fails, naming every server and what it got, when fewer than O(min_answering) answered.
  - Python's standard library only (no dnspython), so that it runs on hosts without the Consul role's virtualenv.
  - Reads only; never changes anything.
attributes:
  check_mode:
    support: full
    description: Asks the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes.
options:
  servers:
    description: IP addresses of the DNS servers.
    type: list
    elements: str
    required: true
  name:
    description: The name asked.
    type: str
    required: true
  port:
    description: The servers' port.
    type: int
    default: 53
  timeout:
    description: Seconds to wait for the answers (all servers are asked at once).
    type: float
    default: 3
  min_answering:
    description: How many servers must answer.
    type: int
    default: 1
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: Check that a forwarder answers this host before pointing its resolver at them
  discovery.consul_dns.dns_probe:
    servers: [10.89.50.31, 10.89.50.32]
    name: consul.service.zhangeamon.com
"""

RETURN = r"""
answered:
  description: The servers that answered.
  returned: always
  type: list
  elements: str
verdicts:
  description: What each server gave (V(NOERROR), V(NXDOMAIN), V(REFUSED), V(timed out), an error...).
  returned: always
  type: dict
  sample: {10.89.50.31: NOERROR, 10.89.50.41: timed out}
"""

import errno
import ipaddress
import os
import select
import socket
import struct
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native, to_text

RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}
ANSWERED = ("NOERROR", "NXDOMAIN")


def query(name, query_id):
    """A DNS question for the A records of name, recursion desired."""
    labels = [label for label in name.rstrip(".").split(".") if label]
    if not labels or any(len(label.encode("ascii")) > 63 for label in labels):
        raise ValueError("not a DNS name: %r" % name)
    qname = b"".join(struct.pack("!B", len(label)) + label.encode("ascii") for label in labels) + b"\0"
    return struct.pack("!HHHHHH", query_id, 0x0100, 1, 0, 0, 0) + qname + struct.pack("!HH", 1, 1)


def reply_code(data, query_id):
    """The reply's code as text, or None when data is no reply to that question."""
    if len(data) < 12:
        return None
    reply_id, flags = struct.unpack("!HH", data[:4])
    if reply_id != query_id or not flags & 0x8000:
        return None
    return RCODES.get(flags & 0x000F, "RCODE %d" % (flags & 0x000F))


def probe(servers, name, port=53, timeout=3.0, clock=time.monotonic):
    """{server: what it gave}, every server asked at once over UDP."""
    results, sockets = {}, {}
    for server in servers:
        try:
            family = socket.AF_INET6 if ipaddress.ip_address(to_text(server)).version == 6 else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_DGRAM)
            sock.setblocking(False)
            sock.connect((server, port))
        except (ValueError, OSError) as exc:
            results[server] = "error: %s" % to_native(exc)
            continue
        query_id = struct.unpack("!H", os.urandom(2))[0]
        sockets[sock] = (server, query_id, query(name, query_id))
    started = clock()
    try:
        # asked, and asked again halfway (one lost datagram is no verdict)
        for phase_end in (started + timeout / 2.0, started + timeout):
            for sock, (server, query_id, message) in list(sockets.items()):
                _send(sock, message, results, sockets, server)
            while sockets:
                left = phase_end - clock()
                if left <= 0:
                    break
                for sock in select.select(list(sockets), [], [], left)[0]:
                    server, query_id, message = sockets[sock]
                    try:
                        code = reply_code(sock.recv(4096), query_id)
                    except OSError as exc:
                        code = ("refused (ICMP port unreachable)" if exc.errno == errno.ECONNREFUSED
                                else "error: %s" % to_native(exc))
                    if code is not None:
                        results[server] = code
                        del sockets[sock]
                        sock.close()
        for sock, (server, query_id, message) in sockets.items():
            results[server] = "timed out after %gs" % timeout
    finally:
        for sock in sockets:
            sock.close()
    return results


def _send(sock, message, results, sockets, server):
    try:
        sock.send(message)
    except OSError as exc:
        results[server] = "error: %s" % to_native(exc)
        del sockets[sock]
        sock.close()


def main():
    module = AnsibleModule(
        argument_spec=dict(
            servers=dict(type="list", elements="str", required=True),
            name=dict(type="str", required=True),
            port=dict(type="int", default=53),
            timeout=dict(type="float", default=3),
            min_answering=dict(type="int", default=1),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        results = probe(params["servers"], params["name"], params["port"], params["timeout"])
    except ValueError as exc:
        module.fail_json(msg=to_native(exc))
    answered = [server for server in params["servers"] if results.get(server) in ANSWERED]
    if len(answered) < params["min_answering"]:
        module.fail_json(
            msg="%d of %d DNS servers answered %s from this host (%d needed): %s" % (
                len(answered), len(params["servers"]), params["name"], params["min_answering"],
                ", ".join("%s:%d %s" % (server, params["port"], results.get(server)) for server in params["servers"])),
            answered=answered, verdicts=results)
    module.exit_json(changed=False, answered=answered, verdicts=results)


if __name__ == "__main__":
    main()
