"""playbooks/decommission.yml refusing, before any host is touched, what it must not take out: a host
not in the inventory, a Consul server (a quorum change), the last forwarder, nothing at all."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow   # ansible-playbook runs

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
# hosts no play may reach: the refusal comes before the first play that gathers facts
UNREACHABLE = dict(ansible_host="192.0.2.1", ansible_connection="ssh")
INVENTORY = dict(all=dict(children=dict(
    consul_servers=dict(hosts=dict(node1=UNREACHABLE)),
    consul_clients=dict(hosts=dict(web1=UNREACHABLE)),
    dns_forwarders=dict(hosts=dict(dns1=UNREACHABLE)))))


@pytest.mark.parametrize("hosts,named", [
    ("node1", 'servers: [\\"node1\\"]'),
    ("dns1", "nor every forwarder"),
    ("web9", 'not in the inventory: [\\"web9\\"]'),
    ("", "got []"),
])
def test_what_must_not_be_taken_out_is_refused_before_any_host_is_touched(tmp_path, hosts, named):
    (tmp_path / "inventory.json").write_text(json.dumps(INVENTORY))
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "inventory.json",
                           os.path.join(REPO, "playbooks", "decommission.yml"), "-e", "decommission_hosts=" + hosts],
                          cwd=str(tmp_path), capture_output=True, text=True, check=False,
                          env=dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="false"))
    assert proc.returncode != 0
    assert "Check what is to be decommissioned" in proc.stdout and named in proc.stdout, proc.stdout[-3000:]
    assert "Every host's addresses" not in proc.stdout
