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
  description: C(settled) (bool) and C(holder) (a host name, or an empty string).
  type: dict
  sample: {settled: false, holder: node1}
"""

import hashlib

# a key file that holds no key: empty, or a line break alone
NO_KEY_DIGESTS = frozenset(hashlib.sha256(content).hexdigest() for content in (b"", b"\n"))


def _digest(hostvars, host, path):
    try:
        return ((hostvars[host].get("_consul_host") or {}).get("digests") or {}).get(path)
    except (KeyError, AttributeError):
        return None


def holds_a_key(digest):
    return isinstance(digest, str) and digest not in NO_KEY_DIGESTS


def gossip_key_source(hosts, hostvars, key_path, config_path):
    keys = [_digest(hostvars, host, key_path) for host in hosts]
    configs = [_digest(hostvars, host, config_path) for host in hosts]
    settled = bool(hosts) and len(set(keys)) == 1 and holds_a_key(keys[0]) and len(set(configs)) == 1 and configs[0] is not None
    holder = next((host for host, digest in zip(hosts, keys) if holds_a_key(digest)), "")
    return dict(settled=settled, holder=holder)


class FilterModule(object):
    def filters(self):
        return {"gossip_key_source": gossip_key_source}
