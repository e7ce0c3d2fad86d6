#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: consul_keyring
short_description: Make one gossip key the only key of every member, without restarting an agent
version_added: 0.6.0
description:
  - Brings the gossip keyring of every member of the cluster (the LAN pool of each datacenter, and
    the servers' WAN pool) to exactly one key, O(key), through the agent's keyring API, the way
    C(consul keyring) rotates a key, with no agent restarted.
  - In this order, each step only when needed, each one failing the module when any member reports
    failure. First the key installed on every member, then made the key they encrypt with, then every other key removed.
    Members keep talking throughout, as each one decrypts with any key it holds. A step that fails
    leaves the members on a key they all hold.
  - Unchanged when every pool holds O(key) alone, on every member, as its primary key.
  - A member that is down during a rotation is not reached; once the old key is removed it cannot
    rejoin until its keyring holds the new key (docs/operations.md says how).
  - Needs C(keyring:write) (the management token) under ACLs.
  - The keys never appear in a result or a diff; they are shown by the first 12 hex digits of their SHA-256 digest.
extends_documentation_fragment:
  - discovery.consul_dns.connection
attributes:
  check_mode:
    support: full
    description: Reads the keyring and says which steps it would take.
  diff_mode:
    support: full
    description: The keys held and the primary keys before and after, by digest.
options:
  key:
    description: The gossip key every member is to have alone (base64, as C(consul keygen) prints it).
    type: str
    required: true
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: Make a new gossip key the cluster's only key
  discovery.consul_dns.consul_keyring:
    key: "{{ new_gossip_key }}"
    token: "{{ consul_management_token }}"
  run_once: true
  delegate_to: "{{ groups['consul_servers'] | first }}"
"""

RETURN = r"""
steps:
  description: The steps taken (or, in check mode, that would be taken), in order.
  returned: success
  type: list
  elements: str
  sample: [install, use, remove 1 other key]
pools:
  description: Each gossip pool after the module, with the number of its members and of the keys they hold.
  returned: success
  type: list
  elements: dict
  sample: [{pool: LAN dc bj, members: 10, keys: 1}, {pool: WAN, members: 3, keys: 1}]
"""

from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_module import ConsulModule, OptionError
from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_settings import gossip_key_digest, is_gossip_key


def check_key(key):
    if not is_gossip_key(key):
        raise OptionError("key", "must be a base64-encoded 16, 24 or 32 byte key (consul keygen makes one)")


def pool_name(pool):
    if pool.get("WAN"):
        return "WAN"
    return "LAN dc %s%s" % (pool.get("Datacenter") or "?", " segment %s" % pool["Segment"] if pool.get("Segment") else "")


def comparable(pools):
    """The keys held and the primary keys, by digest, over every pool: what the diff shows."""
    held = set()
    primary = set()
    for pool in pools:
        held.update(pool.get("Keys") or {})
        primary.update(pool.get("PrimaryKeys") or {})
    return dict(keys=sorted(gossip_key_digest(key) for key in held), primary=sorted(gossip_key_digest(key) for key in primary))


def everywhere(counts, key, members):
    """Whether every member of a pool holds ``key`` (a pool's Keys or PrimaryKeys)."""
    return (counts or {}).get(key) == members


def primary_keys(pool):
    """A pool's primary keys; where Consul does not report them, the key it holds when it holds one alone."""
    if "PrimaryKeys" in pool:
        return pool["PrimaryKeys"]
    held = pool.get("Keys") or {}
    return held if len(held) == 1 else {}


def steps_needed(pools, key):
    """The changes that bring every pool to ``key`` alone, in the order they are safe in."""
    steps = []
    if not all(everywhere(pool.get("Keys"), key, pool.get("NumNodes")) for pool in pools):
        steps.append(("install", key))
    if not all(everywhere(primary_keys(pool), key, pool.get("NumNodes")) for pool in pools):
        steps.append(("use", key))
    others = sorted(set(other for pool in pools for other in (pool.get("Keys") or {})) - set([key]))
    steps.extend(("remove", other) for other in others)
    return steps


def describe(steps):
    removed = sum(1 for change, dummy in steps if change == "remove")
    named = [change for change, dummy in steps if change != "remove"]
    if removed:
        named.append("remove %d other key%s" % (removed, "" if removed == 1 else "s"))
    return named


def summary(pools):
    return [dict(pool=pool_name(pool), members=pool.get("NumNodes"), keys=len(pool.get("Keys") or {})) for pool in pools]


def main():
    module = ConsulModule(argument_spec=dict(key=dict(type="str", required=True, no_log=True)))
    key = module.params["key"].strip()
    module.no_log(key)
    with module.errors():
        check_key(key)
        pools = module.client.keyring()
        if not pools:
            module.fail("the agent reports no gossip keyring: is gossip encryption on (encrypt)?")
        steps = steps_needed(pools, key)
        after = dict(keys=[gossip_key_digest(key)], primary=[gossip_key_digest(key)])
        module.change(comparable(pools), after if steps else comparable(pools))
        for change, step_key in steps:
            module.apply(module.client.keyring_change, change, step_key)
        if steps and not module.check_mode:
            pools = module.client.keyring()
            left = steps_needed(pools, key)
            if left:
                module.fail("the keyring did not settle on the key: still to do %s (%s)" % (
                    ", ".join(describe(left)),
                    "; ".join("%(pool)s: %(members)s members, %(keys)s keys" % pool for pool in summary(pools))),
                    steps=describe(steps))
    module.exit(steps=describe(steps), pools=summary(pools))


if __name__ == "__main__":
    main()
