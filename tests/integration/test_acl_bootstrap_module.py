"""consul_acl_bootstrap, consul_acl_token_info and consul_catalog_services_info against real Consul 1.8.7 agents."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import tempfile
import time

import pytest
import requests

from harness import ConsulAgent, run_module, run_playbook


class NewCluster(ConsulAgent):
    """A server with ACLs on and never bootstrapped (no master token): only the bootstrap gets in.
    Ready when it has a leader (everything else is denied); its ACLs may still be in legacy mode,
    which the module waits out."""

    def wait_ready(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("consul agent %s exited: see %s/agent.log" % (self.name, self.dir))
            try:
                if requests.get(self.url + "/v1/status/leader", timeout=2).json():
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("consul agent %s has no leader after %ss" % (self.name, timeout))


@pytest.fixture(scope="module")
def new_cluster():
    agent = NewCluster("it-bootstrap", extra_hcl='acl { enabled = true\n default_policy = "deny" }')
    agent.start()
    yield agent
    agent.stop()


PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/discovery.consul_dns.consul: {host: 127.0.0.1, port: %(port)d}
  tasks:
    - name: Bootstrap
      discovery.consul_dns.consul_acl_bootstrap:
        token: ""
      register: bootstrap
    - name: Which token that is
      discovery.consul_dns.consul_acl_token_info:
        token: "{{ bootstrap.secret_id }}"
      register: info
    - name: Bootstrap again, with the token
      discovery.consul_dns.consul_acl_bootstrap:
        token: "{{ bootstrap.secret_id }}"
      register: again
    - name: Keep what the test reads
      ansible.builtin.copy:
        dest: "%(out)s"
        content: "{{ dict(secret=bootstrap.secret_id, accessor=bootstrap.accessor_id, info=info.token, again=again) | to_json }}"
      no_log: true
"""


def test_bootstrap_once_hidden_then_reported_without_failing(new_cluster):
    conn = new_cluster.connection()
    # check mode asks nothing: the cluster stays new
    assert run_module("consul_acl_bootstrap", conn, check=True)["changed"] is True
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "out.json")
        playbook = os.path.join(folder, "play.yml")
        with open(playbook, "w") as handle:
            handle.write(PLAYBOOK % dict(port=new_cluster.ports["http"], out=out))
        code, output, stats = run_playbook(playbook, verbosity=1)  # -v: every result is shown
        assert code == 0, output
        with open(out) as handle:
            kept = json.load(handle)
    secret = kept["secret"]
    # the secret never reached the output: the bootstrap task's result is hidden
    assert secret not in output and "censored" in output
    assert stats["localhost"]["changed"] >= 1
    assert kept["info"]["AccessorID"] == kept["accessor"] and "SecretID" not in kept["info"]
    assert [p["Name"] for p in kept["info"]["Policies"]] == ["global-management"]
    assert kept["again"]["changed"] is False and kept["again"]["token_valid"] is True

    # without a working token: bootstrapped before, with the reset index, not a failure
    result = run_module("consul_acl_bootstrap", dict(conn, token="00000000-0000-0000-0000-00000000dead"), diff=True)
    assert result["changed"] is False and result["token_valid"] is False and result["reset_index"] > 0
    assert result["diff"] == dict(before=dict(bootstrapped=True), after=dict(bootstrapped=True))
    assert "secret_id" not in result

    # a token Consul does not know: token_info fails, saying so
    result = run_module("consul_acl_token_info", dict(conn, token="00000000-0000-0000-0000-00000000dead"))
    assert result.get("failed") and "HTTP 403" in result["msg"] and "ACL not found" in result["msg"]
    result = run_module("consul_acl_token_info", dict(conn, token=""))
    assert result.get("failed") and result["msg"].startswith("token: no token was given")


def test_catalog_services_waits_for_a_service_and_names_the_missing(agent):
    conn = agent.connection()
    run_module("consul_service", dict(conn, name="it-catalog-web", tags=["blue"]))
    result = run_module("consul_catalog_services_info", dict(conn, wait_for=["it-catalog-web", "it-catalog-none"],
                                                             timeout=1, poll_interval=0.2), check=True)
    assert result["changed"] is False and result["services"]["it-catalog-web"] == ["blue"]
    assert result["missing"] == ["it-catalog-none"] and result["waited"] >= 1
    assert run_module("consul_catalog_services_info", dict(conn, wait_for=["it-catalog-web"]))["missing"] == []
