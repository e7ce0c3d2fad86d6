"""The consul role's gossip key (tasks/gossip_key.yml) decided from the digests host_state returns: with
every member holding the same key files nothing is read; otherwise the key is read from one member, or
a server outside the play (--limit), or generated. Three hosts on the local connection, the members'
digests given, one key file the delegated reads find, a fake consul keygen."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import hashlib
import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow   # an ansible-playbook run per test, a few seconds each

TASKS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "roles", "consul", "tasks", "gossip_key.yml")
INVENTORY = """\
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: %s
  children:
    servers:
      hosts: {s1: {}, s2: {}}
    clients:
      hosts: {c1: {}}
"""
PLAYBOOK = """\
- hosts: all
  gather_facts: false
  vars:
    consul_config_dir: %(dir)s
    consul_servers_group: servers
    consul_binary: %(dir)s/consul
    consul_encrypt_key: "{{ given_key | default('') }}"
    _consul_gossip_key_path: "{{ consul_config_dir }}/gossip.key"
    _consul_encrypt_hcl_path: "{{ consul_config_dir }}/encrypt.hcl"
    _consul_keyring_paths: ["{{ consul_config_dir }}/local.keyring"]
  tasks:
    - name: What host_state would have said
      ansible.builtin.set_fact:
        _consul_host:
          digests: "{{ {_consul_gossip_key_path: key_digests[inventory_hostname], _consul_encrypt_hcl_path: hcl_digests[inventory_hostname]} }}"
          keyrings: "{{ {_consul_keyring_paths | first: (keyring_digests | default({}))[inventory_hostname] | default(none)} }}"
    - name: The role's tasks
      ansible.builtin.include_tasks: %(tasks)s
    - name: Tell the test
      ansible.builtin.copy:
        dest: "%(dir)s/{{ inventory_hostname }}.json"
        content: "{{ {'settled': _consul_gossip_key_settled, 'key': _consul_encrypt_key,
                      'read_from_member': _consul_gossip_key_held.content is defined,
                      'generated': _consul_keygen.stdout is defined} | to_json }}"
      delegate_to: localhost
"""
HELD = "k7mXc3Wl0Qy2Vt5B1Rn8Zg==\n"
SOME, OTHER = hashlib.sha256(HELD.encode()).hexdigest(), "0" * 64
EMPTY = hashlib.sha256(b"\n").hexdigest()


@pytest.fixture
def converge(tmp_path):
    (tmp_path / "inventory.yml").write_text(INVENTORY % sys.executable)
    (tmp_path / "play.yml").write_text(PLAYBOOK % dict(dir=tmp_path, tasks=os.path.abspath(TASKS)))
    (tmp_path / "consul").write_text("#!/bin/sh\necho GENERATEDKEY==\n")
    os.chmod(str(tmp_path / "consul"), 0o755)
    (tmp_path / "gossip.key").write_text(HELD)   # what a delegated read of any member finds

    def run(key_digests, hcl_digests, *args, **extra):
        variables = dict(extra, key_digests=key_digests, hcl_digests=hcl_digests)
        proc = subprocess.run(
            [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "inventory.yml", "play.yml",
             "-e", json.dumps(variables)] + list(args),
            cwd=str(tmp_path), capture_output=True, text=True, check=False,
            env=dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0"))
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
        assert "k7mXc3Wl0Qy2Vt5B1Rn8Zg" not in proc.stdout + proc.stderr   # no_log
        results = {}
        for host in ("s1", "s2", "c1"):
            if (tmp_path / (host + ".json")).exists():
                results[host] = json.loads((tmp_path / (host + ".json")).read_text())
        return results
    return run


def test_every_member_with_the_same_key_files_needs_no_key_on_the_controller(converge):
    results = converge({"s1": SOME, "s2": SOME, "c1": SOME}, {"s1": OTHER, "s2": OTHER, "c1": OTHER})
    assert all(r == {"settled": True, "key": "", "read_from_member": False, "generated": False} for r in results.values())


@pytest.mark.parametrize("key_digests, hcl_digests", [
    ({"s1": SOME, "s2": SOME, "c1": None}, {"s1": OTHER, "s2": OTHER, "c1": None}),   # a new node
    ({"s1": SOME, "s2": SOME, "c1": SOME}, {"s1": OTHER, "s2": SOME, "c1": OTHER}),   # an encrypt.hcl differs
    ({"s1": EMPTY, "s2": SOME, "c1": SOME}, {"s1": OTHER, "s2": OTHER, "c1": OTHER}),  # an empty key file is no key
])
def test_a_member_lacking_or_differing_gets_the_key_read_from_one_member(converge, key_digests, hcl_digests):
    results = converge(key_digests, hcl_digests)
    assert all(r == {"settled": False, "key": HELD.strip(), "read_from_member": True, "generated": False}
               for r in results.values())


def test_an_agent_whose_keyring_holds_another_key_than_its_files_gets_the_key_read(converge):
    """Consul keeps its keyring whatever encrypt.hcl says: files alike everywhere are not enough."""
    same = {"s1": SOME, "s2": SOME, "c1": SOME}
    hcl = {"s1": OTHER, "s2": OTHER, "c1": OTHER}
    results = converge(same, hcl, keyring_digests={"s1": SOME, "s2": OTHER, "c1": None})
    assert all(r == {"settled": False, "key": HELD.strip(), "read_from_member": True, "generated": False}
               for r in results.values())
    results = converge(same, hcl, keyring_digests={"s1": SOME, "s2": SOME, "c1": None})
    assert all(r["settled"] is True and r["read_from_member"] is False for r in results.values())


def test_a_limit_run_of_a_new_node_reads_the_servers_outside_the_play(converge):
    results = converge({"s1": SOME, "s2": SOME, "c1": None}, {"s1": OTHER, "s2": OTHER, "c1": None}, "--limit", "c1")
    assert results == {"c1": {"settled": False, "key": HELD.strip(), "read_from_member": False, "generated": False}}


def test_a_limit_run_of_a_member_that_has_the_key_reads_nothing(converge):
    results = converge({"s1": None, "s2": None, "c1": SOME}, {"s1": None, "s2": None, "c1": OTHER}, "--limit", "c1")
    assert results["c1"]["settled"] is True and results["c1"]["key"] == ""


def test_the_given_key_is_taken_and_nothing_read(converge):
    results = converge({"s1": SOME, "s2": SOME, "c1": SOME}, {"s1": OTHER, "s2": OTHER, "c1": OTHER}, given_key="GIVEN==")
    assert all(r == {"settled": False, "key": "GIVEN==", "read_from_member": False, "generated": False}
               for r in results.values())


def test_a_new_cluster_gets_a_generated_key_once(converge, tmp_path):
    os.remove(str(tmp_path / "gossip.key"))
    results = converge({"s1": None, "s2": None, "c1": None}, {"s1": None, "s2": None, "c1": None})
    assert all(r == {"settled": False, "key": "GENERATEDKEY==", "read_from_member": False, "generated": True}
               for r in results.values())
