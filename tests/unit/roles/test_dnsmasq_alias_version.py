"""The dnsmasq role's refusal of aliases on a dnsmasq that keeps the addresses a changed hostsdir file
dropped (roles/dnsmasq/tasks/alias_version.yml): 2.85 (Debian 11) does, as molecule showed (a stopped
backend stayed in the alias); the role's own tasks run once per installed version, as host_state reports
it (Debian's version strings)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


import pytest
from role_play import run_play

pytestmark = pytest.mark.slow   # one ansible-playbook run

PLAYBOOK = """\
- hosts: all
  gather_facts: false
  tasks:
    - name: The role's check of the installed version
      ansible.builtin.include_role:
        name: discovery.consul_dns.dnsmasq
        tasks_from: alias_version
"""
# host: (the installed version host_state reports, refused)
CASES = {
    "debian11": ("2.85-1+deb11u1", True),
    "debian12-first": ("2.89-1", True),
    "debian12": ("2.90-4~deb12u1", False),
    "debian13": ("2.91-1", False),
}


def test_aliases_are_refused_below_the_version_that_drops_a_changed_files_addresses(tmp_path):
    hosts = dict((host, dict(_dnsmasq_host=dict(deb_packages=dict(dnsmasq=version, nftables="1.0")))) for host, (version, _refused) in CASES.items())
    proc = run_play(tmp_path, PLAYBOOK, hosts, dict(dnsmasq_aliases=[dict(name="web.example.test", service="web")]))
    failed = set(line.split("[", 1)[1].split("]", 1)[0] for line in proc.stdout.splitlines() if line.startswith("fatal: ["))
    assert failed == set(host for host, (_version, refused) in CASES.items() if refused), proc.stdout[-3000:]
    assert "dnsmasq_aliases: dnsmasq 2.85-1+deb11u1 on this host keeps the addresses" in proc.stdout
    assert "aliases need dnsmasq 2.90 or later (dnsmasq_alias_min_version)" in proc.stdout
