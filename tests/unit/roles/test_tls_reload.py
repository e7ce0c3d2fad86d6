"""Whether the consul role gives an agent its TLS files by a reload or in the restart step
(_consul_tls_by_reload, roles/consul/vars/main.yml), decided by the role's own variables in one
ansible-playbook run from what host_state would read: a reload only for an agent that runs with TLS
enforced already and keeps it on."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest
from role_play import CONSUL_ROLE_VARIABLES, run_play

pytestmark = pytest.mark.slow   # one ansible-playbook run

HCL = "/etc/consul.d/consul.hcl"
ENFORCED = 'cert_file = "/etc/consul.d/tls/agent.pem"\nverify_incoming_rpc = true\nverify_outgoing = true\n'
PLAIN = 'datacenter = "bj"\n'
PLAYBOOK = CONSUL_ROLE_VARIABLES + """\
    - name: The decision
      ansible.builtin.copy:
        content: "{{ _consul_tls_by_reload | to_json }}"
        dest: "{{ playbook_dir }}/{{ inventory_hostname }}.json"
        mode: "0600"
"""
# host: (TLS wanted, the agent's unit state, its consul.hcl), and the decision expected
CASES = {
    "enforced-running": ((True, "active", ENFORCED), True),
    "enforced-stopped": ((True, "inactive", ENFORCED), False),
    "never-started": ((True, "inactive", None), False),
    "plain-running-tls-wanted": ((True, "active", PLAIN), False),
    "enforced-running-tls-off": ((False, "active", ENFORCED), False),
}


def test_only_an_agent_running_with_tls_enforced_and_kept_takes_its_files_by_a_reload(tmp_path):
    hosts = {}
    for index, (host, ((tls, unit, hcl), _expected)) in enumerate(CASES.items()):
        hosts[host] = dict(consul_tls_enabled=tls, consul_bind_address="127.0.0.%d" % (20 + index),
                           _consul_host=dict(systemd_units=dict(consul=dict(active=unit)), files={HCL: hcl}))
    proc = run_play(tmp_path, PLAYBOOK, hosts, dict(consul_acl_enabled=False),
                    children=dict(consul_servers=dict(hosts={"enforced-running": {}})))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    decided = dict((host, json.loads((tmp_path / ("%s.json" % host)).read_text())) for host in CASES)
    assert decided == dict((host, expected) for host, (_case, expected) in CASES.items())
