# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: gossip_key_source
short_description: Whether the members' gossip key files agree, and else which member holds the key
version_added: 0.6.0
description:
  - For internal collection use only (the consul role's C(tasks/gossip_key.yml)).
  - Decides from the SHA-256 digests of each member's C(gossip.key) and C(encrypt.hcl), as
    M(discovery.consul_dns.host_state) returned them in C(_consul_host.digests), never from the key itself.
  - C(settled) when every host has the same C(gossip.key), holding a key, and the same C(encrypt.hcl); then
    there is nothing to write and the key need not reach the controller.
  - C(holder), the first host (in the order given) whose C(gossip.key) holds a key (neither absent, nor
    empty, nor a line break alone), or an empty string.
  - With O(keyring_paths), the agents' own keyrings count too (their digests in C(_consul_host.keyrings)).
    Consul keeps using its keyring file whatever C(encrypt) says, so C(settled) also needs every host's
    keyring to hold its key file's key alone, or not to exist yet while the C(consul) unit is not active
    (before the agent's first start); a running agent without a keyring file holds an unknown key.
    C(stale_keyrings) names the hosts whose keyring holds anything else than O(key) when it is given,
    else than their own key file's key.
options:
  _input:
    description: The members, in order (C(ansible_play_hosts)).
    type: list
    elements: str
    required: true
  hostvars:
    description: The C(hostvars) magic variable.
    type: raw
    required: true
  key_path:
    description: The path of the key file on the hosts.
    type: str
    required: true
  config_path:
    description: The path of the configuration file that holds the key.
    type: str
    required: true
  keyring_paths:
    description: The paths of the agents' keyring files, as given to M(discovery.consul_dns.host_state).
    type: list
    elements: str
    default: []
  key:
    description: The key the keyrings are to hold alone, once it is known on the controller.
    type: str
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: Where the key is to come from
  ansible.builtin.set_fact:
    gossip_key_source: >-
      {{ ansible_play_hosts | discovery.consul_dns.gossip_key_source(hostvars, '/etc/consul.d/gossip.key',
         '/etc/consul.d/encrypt.hcl') }}
"""

RETURN = r"""
_value:
  description: C(settled) (bool), C(holder) (a host name, or an empty string) and C(stale_keyrings) (host names).
  type: dict
  sample: {settled: false, holder: node1, stale_keyrings: [node2]}
"""

import hashlib

# a key file that holds no key: empty, or a line break alone
NO_KEY_DIGESTS = frozenset(hashlib.sha256(content).hexdigest() for content in (b"", b"\n"))


def _digests(hostvars, host, kind):
    try:
        return ((hostvars[host].get("_consul_host") or {}).get(kind)) or {}
    except (KeyError, AttributeError):
        return {}


def _digest(hostvars, host, path):
    return _digests(hostvars, host, "digests").get(path)


def _agent_running(hostvars, host):
    units = _digests(hostvars, host, "systemd_units")
    return isinstance(units, dict) and (units.get("consul") or {}).get("active") == "active"


def holds_a_key(digest):
    return isinstance(digest, str) and digest not in NO_KEY_DIGESTS


def key_file_digest(key):
    """The digest of a key file holding ``key`` (and of a keyring holding it alone: host_state)."""
    return hashlib.sha256((key.strip() + "\n").encode("utf-8")).hexdigest()


def gossip_key_source(hosts, hostvars, key_path, config_path, keyring_paths=(), key=None):
    keys = [_digest(hostvars, host, key_path) for host in hosts]
    configs = [_digest(hostvars, host, config_path) for host in hosts]
    stale_keyrings = []
    for host, own in zip(hosts, keys):
        wanted = key_file_digest(key) if key else own
        keyrings = _digests(hostvars, host, "keyrings")
        if any(keyrings.get(path) is not None and keyrings.get(path) != wanted for path in keyring_paths):
            stale_keyrings.append(host)
        elif keyring_paths and keyrings.get(keyring_paths[0]) is None and _agent_running(hostvars, host):
            # a running agent without its keyring file: whatever key it holds is unknown
            stale_keyrings.append(host)
    settled = bool(hosts) and len(set(keys)) == 1 and holds_a_key(keys[0]) and len(set(configs)) == 1 \
        and configs[0] is not None and not stale_keyrings
    holder = next((host for host, digest in zip(hosts, keys) if holds_a_key(digest)), "")
    return dict(settled=settled, holder=holder, stale_keyrings=stale_keyrings)


class FilterModule(object):
    def filters(self):
        return {"gossip_key_source": gossip_key_source}
