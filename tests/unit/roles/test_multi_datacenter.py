"""Several datacenters from one inventory, as the roles read it: each host's consul.hcl (rendered by the
role's own template, accepted by the real `consul validate`) joins its own datacenter's servers on the
LAN and the others' over the WAN, a secondary server replicates ACLs, each forwarder forwards to its own
datacenter's servers, each application host asks its own datacenter's forwarders; a host naming no
datacenter among hosts that name two fails, naming it."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import re
import subprocess

import pytest
from role_play import CONSUL_ROLE_VARIABLES, failures, run_play

pytestmark = pytest.mark.slow   # ansible-playbook runs

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
TEMPLATE = os.path.join(REPO, "roles", "consul", "templates", "consul.hcl.j2")
CONSUL = os.environ.get("CONSUL_BIN", "/var/cache/discovery-consul-dns/bin/consul")
# the dnsmasq and resolver roles' defaults as the roles have them (their own variables, read lazily)
PLAYBOOK = CONSUL_ROLE_VARIABLES + """\
    - name: The dnsmasq and resolver roles' defaults
      ansible.builtin.include_vars:
        file: "{{ item }}"
      loop: "{{ role_defaults }}"
    - name: consul.hcl
      ansible.builtin.copy:
        content: "{{ lookup('ansible.builtin.template', template) }}"
        dest: "{{ playbook_dir }}/{{ inventory_hostname }}.hcl"
        mode: "0600"
    - name: What the other roles take
      ansible.builtin.copy:
        content: >-
          {{ dict(forwards_to=dnsmasq_consul_servers, resolvers=resolver_nameservers, drains=consul_restart_drain_hosts,
                  expect=consul_bootstrap_expect | int) | to_json }}
        dest: "{{ playbook_dir }}/{{ inventory_hostname }}.json"
        mode: "0600"
"""
HOSTS = {
    "node1": dict(consul_bind_address="127.0.0.11"), "node2": dict(consul_bind_address="127.0.0.12"),
    "node4": dict(consul_bind_address="127.0.0.14", consul_datacenter="sh"),
    "dns1": dict(consul_bind_address="127.0.0.31"), "dns3": dict(consul_bind_address="127.0.0.33", consul_datacenter="sh"),
    "web4": dict(consul_bind_address="127.0.0.25", consul_datacenter="sh"),
}
GROUPS = dict(consul_servers=dict(hosts={"node1": {}, "node2": {}, "node4": {}}),
              dns_forwarders=dict(hosts={"dns1": {}, "dns3": {}}))
VARIABLES = dict(template=TEMPLATE, consul_datacenter="bj", consul_acl_primary_datacenter="bj",
                 role_defaults=[os.path.join(REPO, "roles", role, "defaults", "main.yml") for role in ("dnsmasq", "resolver")],
                 # rendered before any ACL step: the replication token is the role's to make
                 _consul_replication_token=dict(secret_id="unused"))


def setting(text, key):
    found = re.findall(r"^\s*%s = (.*)$" % key, text, re.M)
    return json.loads(found[0]) if found else None


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("multi-dc")
    proc = run_play(workdir, PLAYBOOK, HOSTS, VARIABLES, children=GROUPS)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return dict((host, ((workdir / (host + ".hcl")).read_text(), json.loads((workdir / (host + ".json")).read_text())))
                for host in HOSTS)


def test_servers_join_their_own_datacenter_on_the_lan_and_the_others_over_the_wan(rendered):
    bj, sh = rendered["node1"][0], rendered["node4"][0]
    assert setting(bj, "datacenter") == "bj" and setting(sh, "datacenter") == "sh"
    assert setting(bj, "retry_join") == ["127.0.0.11", "127.0.0.12"] and setting(bj, "retry_join_wan") == ["127.0.0.14"]
    assert setting(sh, "retry_join") == ["127.0.0.14"] and setting(sh, "retry_join_wan") == ["127.0.0.11", "127.0.0.12"]
    assert setting(bj, "bootstrap_expect") == 2 and setting(sh, "bootstrap_expect") == 1
    assert setting(sh, "primary_datacenter") == "bj" == setting(bj, "primary_datacenter")
    # only a secondary datacenter's server replicates; clients never join the WAN
    assert setting(sh, "enable_token_replication") is True and setting(bj, "enable_token_replication") is None
    for client in ("dns1", "dns3", "web4"):
        text = rendered[client][0]
        assert setting(text, "retry_join_wan") is None and setting(text, "enable_token_replication") is None
    assert setting(rendered["web4"][0], "retry_join") == ["127.0.0.14"]
    assert setting(rendered["dns1"][0], "retry_join") == ["127.0.0.11", "127.0.0.12"]


def test_each_datacenters_forwarders_and_resolvers_stay_in_it(rendered):
    assert rendered["dns1"][1]["forwards_to"] == ["127.0.0.11", "127.0.0.12"]
    assert rendered["dns3"][1]["forwards_to"] == ["127.0.0.14"]
    assert rendered["web4"][1]["resolvers"] == ["127.0.0.33"] and rendered["dns1"][1]["resolvers"] == ["127.0.0.31"]
    assert rendered["node4"][1]["drains"] == ["dns3"] and rendered["node1"][1]["drains"] == ["dns1"]


@pytest.mark.skipif(not os.path.exists(CONSUL), reason="the consul binary (tests/setup-host.sh)")
@pytest.mark.parametrize("host", ["node1", "node4", "web4"])
def test_consul_validate_accepts_each(rendered, host, tmp_path):
    (tmp_path / "consul.hcl").write_text(rendered[host][0])
    proc = subprocess.run([CONSUL, "validate", "-quiet", str(tmp_path / "consul.hcl")], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_host_naming_no_datacenter_among_two_fails_naming_it(tmp_path):
    hosts = dict(HOSTS, node2=dict(consul_bind_address="127.0.0.12", consul_datacenter=""))
    variables = dict(VARIABLES)
    del variables["consul_datacenter"]
    proc = run_play(tmp_path, PLAYBOOK, hosts, variables, children=GROUPS)
    found = failures(proc, ["node1"])
    assert found["node1"] and "these name none: " in found["node1"] and "set consul_datacenter for every host" in found["node1"]


@pytest.mark.parametrize("change, named", [
    (dict(node4=dict(consul_bind_address="127.0.0.14", consul_datacenter="SH")), "must be lowercase"),
    (dict(node4=dict(consul_bind_address="127.0.0.14", consul_datacenter="sh", consul_acl_primary_datacenter="sh")),
     "the primary the same for every server"),
    (dict(web4=dict(consul_bind_address="127.0.0.25", consul_datacenter="sh", consul_node_name="node1")),
     "consul_node_name node1 is the node name of another host"),
])
def test_a_datacenter_in_capitals_two_primaries_or_a_node_name_twice_are_refused(tmp_path, change, named):
    proc = run_play(tmp_path, PLAYBOOK, dict(HOSTS, **change), VARIABLES, children=GROUPS)
    found = failures(proc, list(HOSTS))
    assert any(line and named in line for line in found.values()), proc.stdout[-3000:]


def test_several_datacenters_without_a_primary_for_every_server_are_refused(tmp_path):
    variables = dict(VARIABLES)
    del variables["consul_acl_primary_datacenter"]
    proc = run_play(tmp_path, PLAYBOOK, HOSTS, variables, children=GROUPS)
    found = failures(proc, list(HOSTS))
    assert all(line and "set consul_acl_primary_datacenter for" in line for line in found.values()), proc.stdout[-3000:]


def test_a_play_after_one_that_checked_only_the_servers_checks_every_host(tmp_path):
    """rotate_gossip_key.yml and status.yml check the servers in a play of their own first: the node
    names shared are found again for the next play's hosts, not taken as found."""
    servers_first = CONSUL_ROLE_VARIABLES.replace("- hosts: all", "- hosts: consul_servers") + CONSUL_ROLE_VARIABLES
    proc = run_play(tmp_path, servers_first, HOSTS, VARIABLES, children=GROUPS)
    assert proc.returncode == 0, proc.stdout[-3000:]
