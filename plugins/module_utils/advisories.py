# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Known advisories of Consul releases, and what an operator is told about the version installed.

The table holds what touches a cluster the consul role builds (no Connect, no Enterprise, no
auto_config), reviewed for the releases up to REVIEWED_THROUGH; a newer or unreadable version is
reported as unknown rather than taken for safe."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple

from ansible_collections.discovery.consul_dns.plugins.module_utils.versions import first_version

# affected: (first affected, first fixed) per release line; a fixed version of None = no fix on that line
Advisory = namedtuple("Advisory", "id affected gains url")

ADVISORIES = (
    Advisory(
        "CVE-2021-37219",
        (("0.0", "1.8.15"), ("1.9.0", "1.9.9"), ("1.10.0", "1.10.2")),
        "any certificate of the cluster's CA reaches the servers' server-only Raft RPC: root on any agent "
        "host (which holds an agent certificate) can act as a server towards the others",
        "https://nvd.nist.gov/vuln/detail/CVE-2021-37219"),
    Advisory(
        "CVE-2021-38698",
        (("0.0", "1.8.15"), ("1.9.0", "1.9.9"), ("1.10.0", "1.10.2")),
        "a token that may register one service registers Connect proxies for other services through the "
        "transaction endpoint (Txn.Apply): root on a service host can draw other services' Connect (mesh) "
        "traffic, should Connect be used (the roles do not set it up)",
        "https://nvd.nist.gov/vuln/detail/CVE-2021-38698"),
    Advisory(
        "CVE-2022-29153",
        (("0.0", "1.9.17"), ("1.10.0", "1.10.10"), ("1.11.0", "1.11.5")),
        "an agent's HTTP health checks follow redirects (server-side request forgery): whoever controls a "
        "checked endpoint makes the agent's host send requests to addresses only it can reach",
        "https://nvd.nist.gov/vuln/detail/CVE-2022-29153"),
)

# the newest release line the table was reviewed for; releases after it are unknown to it
REVIEWED_THROUGH = (1, 8)


def parse(version):
    """(major, minor, patch) of the first X.Y[.Z] in version, or None."""
    found = first_version(version)
    if not found:
        return None
    parts = [int(part) for part in found.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def _within(version, first, fixed):
    return parse(first) <= version and (fixed is None or version < parse(fixed))


def fixed_in(advisory):
    return [fixed for _first, fixed in advisory.affected if fixed]


def affecting(version):
    """The advisories of the table that affect version (a parsed tuple)."""
    return [advisory for advisory in ADVISORIES
            if any(_within(version, first, fixed) for first, fixed in advisory.affected)]


def report(version, accepted=()):
    """What to tell about the Consul version text read from a host.

    accepted: advisory IDs the operator accepts, and versions (X.Y.Z as read) they reviewed
    themselves, which silence the warning of a version the table does not know.
    Returns a dict: version (X.Y.Z or ""), advisories (IDs that affect it and are not accepted),
    accepted (IDs that affect it and are accepted), unknown (True when the table cannot tell),
    warnings (one text per advisory or unknown version)."""
    accepted = set(str(item).strip() for item in accepted or ())
    parsed = parse(version)
    text = ".".join(str(part) for part in parsed) if parsed else ""
    result = dict(version=text, advisories=[], accepted=[], unknown=False, warnings=[])
    if parsed is None:
        result["unknown"] = True
        result["warnings"].append(
            "Consul's version could not be read (%r), so its known advisories are unknown to the role: "
            "check that the consul binary answers 'consul version' on the host." % (version,))
        return result
    if parsed[:2] > REVIEWED_THROUGH:
        result["unknown"] = True
        if text not in accepted:
            result["warnings"].append(
                "Consul %s is newer than the releases this collection's advisory table was reviewed for (%s.x): its "
                "known advisories are unknown to the role. Check HashiCorp's security bulletins, then put '%s' in "
                "consul_accepted_advisories." % (text, ".".join(str(part) for part in REVIEWED_THROUGH), text))
    for advisory in affecting(parsed):
        if advisory.id in accepted:
            result["accepted"].append(advisory.id)
            continue
        result["advisories"].append(advisory.id)
        result["warnings"].append(
            "Consul %s has %s (fixed in %s): %s. Install a maintained build (consul_install_method archive or "
            "local, docs/security.md) or accept it in consul_accepted_advisories. %s" % (
                text, advisory.id, ", ".join(fixed_in(advisory)) or "no release", advisory.gains, advisory.url))
    return result
