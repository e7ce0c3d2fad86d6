# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: status_report
short_description: The status view of playbooks/status.yml as readable lines, and every problem
version_added: 0.6.0
description:
  - Lays out what M(discovery.consul_dns.consul_status) read and the agents' certificates (their end of
    validity as M(discovery.consul_dns.host_state) read it) as tables of plain text, one line a row.
  - Adds a problem for each certificate with fewer than O(warn_days) days left, or that could not be read.
  - Lays out the newest snapshot of each server that takes them (C(status_snapshot) of O(hostvars)) and its
    age; a server with none, or whose newest is older than O(snapshot_max_hours), is a problem.
options:
  _input:
    description: The result of M(discovery.consul_dns.consul_status).
    type: dict
    required: true
  hostvars:
    description:
      - The C(hostvars) magic variable; each host of O(hosts) that has C(status_certificates), certificate
        path to its end of validity (C(YYYY-MM-DDTHH:MM:SSZ), or null when unreadable), as
        M(discovery.consul_dns.host_state) returns it in C(certificates), has those reported.
    type: raw
    required: true
  hosts:
    description: The hosts whose certificates to report.
    type: list
    elements: str
    default: []
  now:
    description: The time to count days from (C(YYYY-MM-DDTHH:MM:SSZ), UTC).
    type: str
    required: true
  warn_days:
    description: A certificate with fewer days left than this is a problem.
    type: int
    default: 30
  snapshot_max_hours:
    description:
      - A server whose newest snapshot is older than this many hours is a problem. Each host of O(hosts)
        with C(status_snapshot) (C(newest), the newest snapshot's modification time in seconds since the
        epoch, or null when it has none) is reported.
    type: float
    default: 25
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: The report
  ansible.builtin.debug:
    msg: "{{ (status | discovery.consul_dns.status_report(hostvars, groups['all'], now(utc=true).strftime('%Y-%m-%dT%H:%M:%SZ'))).lines }}"
"""

RETURN = r"""
_value:
  description: C(lines), the report one line each, and C(problems), the consul_status problems and the certificates'.
  type: dict
  sample: {lines: ["RAFT  leader node2"], problems: []}
"""

import datetime

from ansible.errors import AnsibleFilterError

STAMP = "%Y-%m-%dT%H:%M:%SZ"


def _moment(text, option):
    try:
        return datetime.datetime.strptime(str(text), STAMP)
    except ValueError:
        raise AnsibleFilterError("status_report: %s must be YYYY-MM-DDTHH:MM:SSZ, not %r" % (option, text))


def table(header, rows):
    """Columns as wide as their widest cell, two spaces apart."""
    rows = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[column]) for row in [header] + rows) for column in range(len(header))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in [header] + rows]


def _certificates(hostvars, hosts):
    return dict((host, files) for host, files in _host_facts(hostvars, hosts, "status_certificates").items() if files)


def _host_facts(hostvars, hosts, name):
    found = {}
    for host in hosts or []:
        try:
            value = hostvars[host].get(name)
        except (KeyError, AttributeError):
            value = None
        if value is not None:
            found[host] = value
    return found


def _snapshots(hostvars, hosts, moment, max_hours, problems):
    """The table of the servers' newest snapshots; a problem for each server with none or too old a one."""
    epoch = datetime.datetime(1970, 1, 1)
    rows = []
    for host, snapshot in sorted(_host_facts(hostvars, hosts, "status_snapshot").items()):
        newest = (snapshot or {}).get("newest")
        if newest is None:
            rows.append([host, "none", "-"])
            problems.append("no snapshot on %s" % host)
            continue
        taken = epoch + datetime.timedelta(seconds=float(newest))
        hours = (moment - taken).total_seconds() / 3600
        rows.append([host, taken.strftime(STAMP), "%.1f" % hours])
        if hours > float(max_hours):
            problems.append("the newest snapshot on %s is %.1f hours old (%s), more than %s" % (host, hours, taken.strftime(STAMP), max_hours))
    return table(["SERVER", "NEWEST SNAPSHOT", "AGE (HOURS)"], rows) if rows else []


def status_report(status, hostvars=None, hosts=None, now=None, warn_days=30, snapshot_max_hours=25):
    if not isinstance(status, dict):
        raise AnsibleFilterError("status_report: its input is consul_status' result, not %r" % type(status).__name__)
    moment = _moment(now, "now")
    problems = list(status.get("problems") or [])
    lines = ["Consul %s, leader %s" % (status.get("version") or "?", status.get("leader") or "NONE")]
    if status.get("advisories"):
        lines.append("advisories not accepted: %s" % ", ".join(status["advisories"]))
    lines.append("")
    lines += table(["RAFT PEER", "ADDRESS", "VOTER", "LEADER"],
                   [[p.get("node"), p.get("address"), "yes" if p.get("voter") else "NO", "*" if p.get("leader") else ""]
                    for p in status.get("peers") or []])
    lines.append("")
    dns = status.get("dns") or {}
    rows = []
    for name, instances in sorted((status.get("services") or {}).items()):
        for instance in instances:
            answered = [server for server, answers in sorted(dns.items())
                        if isinstance(answers.get(name), list) and instance.get("address") in answers[name]]
            rows.append([name, instance.get("node"), "%s:%s" % (instance.get("address"), instance.get("port")),
                         instance.get("status"), ", ".join(answered) or "-"])
    lines += table(["SERVICE", "NODE", "ADDRESS", "HEALTH", "ANSWERED BY"], rows)
    lines.append("")
    lines += table(["GOSSIP POOL", "MEMBERS", "KEYS (members holding each)"],
                   [[pool.get("pool"), pool.get("members"),
                     ", ".join("%s on %s" % item for item in sorted((pool.get("keys") or {}).items()))]
                    for pool in status.get("keyring") or []])
    lines.append("")
    rows = []
    for host, files in sorted(_certificates(hostvars, hosts).items()):
        for path, end in sorted((files or {}).items()):
            if not end:
                rows.append([host, path, "unreadable", "-"])
                problems.append("certificate %s on %s could not be read" % (path, host))
                continue
            days = (_moment(end, "the end of %s on %s" % (path, host)) - moment).days
            rows.append([host, path, end, days])
            if days < int(warn_days):
                problems.append("certificate %s on %s ends in %d days (%s), fewer than %s" % (path, host, days, end, warn_days))
    lines += table(["HOST", "CERTIFICATE", "ENDS", "DAYS LEFT"], rows)
    lines.append("")
    snapshots = _snapshots(hostvars, hosts, moment, snapshot_max_hours, problems)
    if snapshots:
        lines += snapshots + [""]
    lines += ["PROBLEM: %s" % problem for problem in problems] or ["no problems"]
    return dict(lines=lines, problems=problems)


class FilterModule(object):
    def filters(self):
        return {"status_report": status_report}
