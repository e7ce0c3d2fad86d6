"""The consul role's configuration at each TLS stage (a running cluster moving between plain and TLS RPC,
roles/consul/tasks/tls_stage.yml): rendered by the role's own template in one ansible-playbook run, each
accepted by the real `consul validate`, each read back as its stage by the tls_migration filter the role
decides with, and each stage talking to its neighbours."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import re
import subprocess

import pytest
from role_play import CONSUL_ROLE_VARIABLES, run_play

from ansible_collections.discovery.consul_dns.plugins.filter.tls_migration import STAGES, tls_migration

pytestmark = pytest.mark.slow   # one ansible-playbook run

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
TEMPLATE = os.path.join(REPO, "roles", "consul", "templates", "consul.hcl.j2")
CONSUL = os.environ.get("CONSUL_BIN", "/var/cache/discovery-consul-dns/bin/consul")
PLAYBOOK = CONSUL_ROLE_VARIABLES + """\
    - name: consul.hcl of each TLS stage
      ansible.builtin.copy:
        content: "{{ lookup('ansible.builtin.template', template) }}"
        dest: "{{ playbook_dir }}/{{ inventory_hostname }}-{{ item }}.hcl"
        mode: "0600"
      loop: %s
      vars:
        _consul_tls_stage: "{{ item }}"
""" % json.dumps(list(STAGES))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """{(host, stage): the text of consul.hcl}, for a server and a client."""
    workdir = tmp_path_factory.mktemp("tls-stages")
    hosts = {"server": dict(consul_bind_address="127.0.0.10"), "client": dict(consul_bind_address="127.0.0.11")}
    proc = run_play(workdir, PLAYBOOK, hosts, dict(template=TEMPLATE, consul_acl_enabled=False),
                    children=dict(consul_servers=dict(hosts={"server": {}})))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return dict(((host, stage), (workdir / ("%s-%s.hcl" % (host, stage))).read_text()) for host in hosts for stage in STAGES)


def setting(text, key):
    found = re.findall(r"^%s = (.*)$" % key, text, re.M)
    return found[0] if found else None


def port(text, name):
    found = re.findall(r"^  %s = (-?\d+)$" % name, text, re.M)
    return int(found[0]) if found else None


@pytest.mark.parametrize("host", ["server", "client"])
@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_is_read_back_as_itself(rendered, host, stage):
    assert tls_migration(rendered[host, stage], "enforce")["running"] == stage


@pytest.mark.skipif(not os.path.exists(CONSUL), reason="no consul binary (tests/setup-host.sh installs it)")
@pytest.mark.parametrize("host", ["server", "client"])
@pytest.mark.parametrize("stage", STAGES)
def test_consul_accepts_each_stage(rendered, tmp_path, host, stage):
    path = tmp_path / "consul.hcl"
    path.write_text(rendered[host, stage])
    proc = subprocess.run([CONSUL, "validate", "-config-format=hcl", str(path)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("host", ["server", "client"])
def test_each_stage_accepts_what_its_neighbours_send(rendered, host):
    """An agent sends TLS RPC only where every agent one stage away accepts it (has certificates), and
    requires TLS only where every agent one stage away sends it: so a rolling restart of one stage never
    cuts two agents off each other."""
    def sends_tls(text):
        return setting(text, "verify_outgoing") == "true"

    def accepts_tls(text):
        return setting(text, "cert_file") is not None

    def requires_tls(text):
        return setting(text, "verify_incoming_rpc") == "true"

    for here, there in zip(STAGES, STAGES[1:]):
        for one, other in ((here, there), (there, here)):
            one_text, other_text = rendered[host, one], rendered[host, other]
            assert not sends_tls(one_text) or accepts_tls(other_text), (one, other)
            assert not requires_tls(one_text) or sends_tls(other_text), (one, other)
    # and the ends cannot: plain and enforce cut each other off
    assert requires_tls(rendered[host, "enforce"]) and not sends_tls(rendered[host, "plain"])


@pytest.mark.parametrize("host", ["server", "client"])
def test_the_http_api_moves_to_https_only_when_tls_is_enforced(rendered, host):
    for stage in ("plain", "accept", "send"):
        assert port(rendered[host, stage], "http") == 8500 and port(rendered[host, stage], "https") == -1, stage
    assert port(rendered[host, "enforce"], "http") == -1 and port(rendered[host, "enforce"], "https") == 8501
    assert setting(rendered[host, "enforce"], "verify_server_hostname") == "true"
    assert setting(rendered[host, "plain"], "verify_server_hostname") is None
