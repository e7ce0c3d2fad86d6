# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: tls_migration
short_description: The TLS stages a running agent passes through to reach the wanted one
version_added: 0.5.0
description:
  - An agent that requires TLS on RPC cannot talk to one that does not, so a running cluster cannot be switched
    between plain and TLS RPC in one rolling restart. Its agents go through stages instead, every agent one
    stage further in each rolling restart (docs/security.md, "Turning TLS on or off in a running cluster").
  - The stages, in order, are C(plain) (no TLS), C(accept) (certificates, TLS accepted but not required, plain
    RPC sent), C(send) (TLS sent, plain still accepted) and C(enforce) (TLS only; the HTTP API on HTTPS).
    Neighbouring stages talk to each other, so going one stage at a time keeps the cluster whole.
  - The stage an agent runs is read from the C(consul.hcl) the consul role wrote on it, from its
    C(cert_file), C(verify_incoming_rpc) and C(verify_outgoing) lines. Nothing else in the file is read.
options:
  _input:
    description: The text of the agent's C(consul.hcl); null when the file is absent or the agent is not running.
    type: str
    required: true
  wanted:
    description: The stage the role's settings ask for, C(enforce) (TLS on) or C(plain) (TLS off).
    type: str
    required: true
    choices: [plain, accept, send, enforce]
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: Stages a running agent must pass before TLS is enforced
  ansible.builtin.debug:
    msg: "{{ host.files['/etc/consul.d/consul.hcl'] | discovery.consul_dns.tls_migration('enforce') }}"
  # a plain agent: {"running": "plain", "steps": ["accept", "send"]}
"""

RETURN = r"""
_value:
  description: What the agent runs and the stages between that and the wanted one.
  type: dict
  contains:
    running:
      description: The stage the agent runs; the wanted stage when the input is null (nothing runs to move).
      type: str
      sample: plain
    steps:
      description: The stages strictly between C(running) and the wanted one, in the order to take them.
      type: list
      elements: str
      sample: [accept, send]
"""

import re

from ansible.errors import AnsibleFilterError

STAGES = ("plain", "accept", "send", "enforce")

# the lines of the role's template (roles/consul/templates/consul.hcl.j2) that tell the stage, at the start of a line
_SETTING = re.compile(r"^(cert_file|verify_incoming_rpc|verify_outgoing)[ \t]*=[ \t]*(\S+)[ \t]*$")


def running_stage(consul_hcl):
    """The stage of a consul.hcl written by the consul role."""
    settings = {}
    for line in consul_hcl.splitlines():
        match = _SETTING.match(line)
        if match:
            settings[match.group(1)] = match.group(2)
    if "cert_file" not in settings:
        return "plain"
    if settings.get("verify_incoming_rpc") == "true":
        return "enforce"
    if settings.get("verify_outgoing") == "true":
        return "send"
    return "accept"


def tls_migration(consul_hcl, wanted):
    if wanted not in STAGES:
        raise AnsibleFilterError("tls_migration: wanted must be one of %s, not %r" % (", ".join(STAGES), wanted))
    if consul_hcl is None:
        return {"running": wanted, "steps": []}
    if not isinstance(consul_hcl, str):
        raise AnsibleFilterError("tls_migration: the input is the text of consul.hcl or null, not %s" % type(consul_hcl).__name__)
    running = running_stage(consul_hcl)
    here, there = STAGES.index(running), STAGES.index(wanted)
    if here < there:
        steps = STAGES[here + 1:there]
    else:
        steps = STAGES[there + 1:here][::-1]
    return {"running": running, "steps": list(steps)}


class FilterModule(object):
    def filters(self):
        return {"tls_migration": tls_migration}
