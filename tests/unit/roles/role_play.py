"""A play of the collection's roles run on localhost for a unit test: its inventory (every host local,
on this Python) and the play written to a folder, ansible-playbook run there, its process returned."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import re
import subprocess
import sys

# the start of a play that reads the consul role's variables: its checks run, its vars/main.yml made public
CONSUL_ROLE_VARIABLES = """\
- hosts: all
  gather_facts: false
  tasks:
    - name: The consul role's settings (its checks, its variables public)
      ansible.builtin.include_role:
        name: discovery.consul_dns.consul
        tasks_from: validate
        public: true
"""


def run_play(workdir, playbook, hosts, variables=None, children=None, args=()):
    """ansible-playbook of ``playbook`` (YAML text) on ``hosts`` ({name: host variables}), with ``variables``
    for all of them and the groups ``children``; ``args`` go to ansible-playbook as they are."""
    group = dict(hosts=hosts, vars=dict(variables or {}, ansible_connection="local", ansible_python_interpreter=sys.executable))
    if children:
        group["children"] = children
    (workdir / "inventory.json").write_text(json.dumps(dict(all=group)))
    (workdir / "play.yml").write_text(playbook)
    return subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "inventory.json", "play.yml"]
                          + list(args), cwd=str(workdir), capture_output=True, text=True, check=False,
                          env=dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="false"))


def failures(proc, hosts):
    """{host: the failure line of its run, or None when it passed} for each of ``hosts``: a task that
    failed on the host (fatal) or on one of its loop items (failed, as the path checks fail)."""
    assert "PLAY RECAP" in proc.stdout, proc.stdout[-3000:] + proc.stderr[-3000:]
    found = dict((name, None) for name in hosts)
    for match in re.finditer(r"^(?:fatal: \[(\S+)\]: FAILED!|failed: \[(\S+)\] \(item=.*?\)) => (.*)$", proc.stdout, re.M):
        found[match.group(1) or match.group(2)] = match.group(3)
    return found
