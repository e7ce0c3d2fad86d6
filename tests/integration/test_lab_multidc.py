"""A second datacenter on the lab (docs/multi-dc.md): sh (node4, web4, dns3) WAN-joined to bj, its ACLs
replicated from bj, one site.yml run for both.

The query streams ask every 50 ms, as in the fault tests; the times printed here are the figures of
docs/performance.md. Runs before test_lab_security.py's decommission (web3 is still a backend here).
"""

import json
import os
import re
import subprocess
import time

import pytest

from harness import PODMAN_GROUP, ansible_env, changed_tasks, play_recap, run_module
from labdns import (AGENT_API, ALL, BACKENDS, FORWARDER, LEAVE_BOUND, RETURN_BOUND, SERVERS, VENV_BIN, QueryStream,
                    ask, converge, glibc_addresses, management_token, on, wait_until)
from test_lab_security import CONTROLLER_TLS, controller_environment, controller_token

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group(PODMAN_GROUP),
]

DOMAIN = "zhangeamon.com"
SH_SERVER = "node4"
SH_FORWARDER = "10.89.50.33"
SH_BACKEND = "10.89.50.25"
CURL_TLS = ["--cacert", "/etc/consul.d/tls/ca.pem", "--cert", "/etc/consul.d/tls/agent.pem", "--key", "/etc/consul.d/tls/agent-key.pem"]


def api_status(host, method, path, token, body=None):
    """(HTTP status, body) of a request to the agent of a lab host, with ``token``."""
    command = ["curl", "-s", "-m", "5", "-X", method, "-w", "\n%{http_code}", "-H", "X-Consul-Token: " + token] + CURL_TLS
    if body is not None:
        command += ["--data", json.dumps(body)]
    proc = on(host, *(command + [AGENT_API + path]), check=False)
    text, _newline, code = proc.stdout.rpartition("\n")
    return int(code or 0), text


def file_token(host, path, key=None):
    """A token the role wrote on a host: the whole file, or the value of ``key`` in an HCL file."""
    content = on(host, "cat", path).stdout
    if key is None:
        return content.strip()
    return re.search(r'%s = "([0-9a-f-]{36})"' % key, content).group(1)


def test_both_datacenters_are_federated_and_answer_each_others_names(lab):
    """Each datacenter's forwarders send the domain to their own servers; another datacenter's
    instances answer as <service>.service.<dc>.<domain> through any forwarder, aliases follow the
    forwarder's own datacenter, and glibc on sh's backend asks sh's forwarder."""
    code, text = api_status("node1", "GET", "/v1/agent/members?wan=1", management_token())
    wan = dict((member["Name"], member) for member in json.loads(text)) if code == 200 else {}
    assert sorted(wan) == ["node1.bj", "node2.bj", "node3.bj", "node4.sh"], (code, text[:300])
    assert all(member["Status"] == 1 for member in wan.values())

    local = "web.service.%s" % DOMAIN
    assert ask(local)[1] == ALL and ask(local, server=SH_FORWARDER)[1] == [SH_BACKEND]
    assert ask("web.service.sh.%s" % DOMAIN)[1] == [SH_BACKEND]
    assert ask("web.service.bj.%s" % DOMAIN, server=SH_FORWARDER)[1] == ALL
    assert ask("web.%s" % DOMAIN, server=SH_FORWARDER)[1] == [SH_BACKEND]
    assert glibc_addresses("web4", local) == (0, [SH_BACKEND])
    assert on("web4", "resolvectl", "dns", "eth0", check=False).returncode == 0
    assert SH_FORWARDER in on("web4", "resolvectl", "status").stdout
    assert FORWARDER not in on("web4", "resolvectl", "status").stdout


def test_the_lookup_and_the_inventory_plugin_read_either_datacenter_through_one_server(lab, tmp_path):
    """From the controller, through node1's HTTPS API (its certificate, its read-only token): the
    lookup's datacenter option answers sh's instance, and the inventory plugin with every datacenter
    ("*") lists both, each in its dc_ group, bj's nodes first."""
    lookup = "{{ query('discovery.consul_dns.consul_backends', 'web', order='sorted'%s) }}"
    assert run_module("ansible.builtin.debug", dict(msg=lookup % ""), env=controller_environment())["msg"] == ALL
    assert run_module("ansible.builtin.debug", dict(msg=lookup % ", datacenter='sh'"),
                      env=controller_environment())["msg"] == [SH_BACKEND]
    source = os.path.join(str(tmp_path), "consul.yml")
    with open(source, "w", encoding="utf-8") as handle:
        json.dump(dict(plugin="discovery.consul_dns.consul", host=SERVERS["node1"], scheme="https", token=controller_token(),
                       datacenters=["*"], **CONTROLLER_TLS), handle)
    proc = subprocess.run([os.path.join(VENV_BIN, "ansible-inventory"), "-i", source, "--list"],
                          capture_output=True, text=True, check=False, env=ansible_env())
    found = json.loads(proc.stdout or "{}")
    assert sorted(found.get("dc_sh", {}).get("hosts", [])) == ["dns3", "node4", "web4"], proc.stderr[-2000:]
    assert set(SERVERS) | set(BACKENDS) <= set(found.get("dc_bj", {}).get("hosts", []))
    assert sorted(found["service_web"]["hosts"]) == sorted(BACKENDS) + ["web4"]
    # ansible-inventory --list shows the plugin's values as what they are: unsafe (never templated)
    assert found["_meta"]["hostvars"]["web4"]["ansible_host"] in (SH_BACKEND, {"__ansible_unsafe": SH_BACKEND})


def test_a_prepared_query_fails_over_to_the_other_datacenter_and_back(lab):
    """web.query.<domain> asked at bj's forwarder every 50 ms while every bj backend is stopped, then
    started: never a failed or empty answer; sh's instance answers within the checks' bound plus 1 s,
    bj's again within the same bound."""
    name = "web.query.%s" % DOMAIN
    assert ask(name)[1] == ALL
    with QueryStream(name, ALL) as stream:
        stopped = time.monotonic()
        for host in BACKENDS:
            on(host, "systemctl", "stop", "web-backend")
        try:
            over = wait_until(lambda: ask(name)[1] == [SH_BACKEND], timeout=3 * LEAVE_BOUND)
            over_at = time.monotonic() - stopped
        finally:
            started = time.monotonic()
            for host in BACKENDS:
                on(host, "systemctl", "start", "web-backend")
        back = wait_until(lambda: ask(name)[1] == ALL, timeout=3 * RETURN_BOUND)
        back_at = time.monotonic() - started
        time.sleep(1)
    print("prepared query failover: sh's instance answered %.2f s after bj's backends stopped, bj's again %.2f s "
          "after they started (bound %s s each)"
          % (over_at if over is not None else -1, back_at if back is not None else -1, LEAVE_BOUND + 1))
    odd = set(tuple(entry[2]) for entry in stream.odd)
    assert stream.failed() == 0 and stream.counts["empty"] == 0, stream.report()
    assert stream.total >= stream.minimum()
    # between the two: bj's still passing, then sh's alone; never a mix
    assert all(set(addresses) <= set(ALL) or list(addresses) == [SH_BACKEND] for addresses in odd), odd
    assert over is not None and over <= LEAVE_BOUND + 1
    assert back is not None and back <= RETURN_BOUND + 1


def test_a_hosts_token_works_for_its_own_services_in_its_own_datacenter_only(lab):
    """web4's token (sh) registers web on web4's agent; not another service, not web in bj; the
    replication token lists tokens (what replication does) and can do nothing else: no KV, no
    registration, no catalog, no operator. Both live only where they are used."""
    web4 = file_token("web4", "/etc/consul.d/agent.token")
    instance = dict(ID="web-token-probe", Name="web", Address=SH_BACKEND, Port=8000)
    code, text = api_status("web4", "PUT", "/v1/agent/service/register", web4, instance)
    assert code == 200, text
    try:
        assert api_status("web4", "PUT", "/v1/agent/service/register", web4, dict(instance, ID="db-probe", Name="db"))[0] == 403
        assert api_status("web1", "PUT", "/v1/agent/service/register", web4, dict(instance, Address=BACKENDS["web1"]))[0] == 403
        assert api_status("web4", "GET", "/v1/kv/probe", web4)[0] == 403
    finally:
        assert api_status("web4", "PUT", "/v1/agent/service/deregister/web-token-probe", web4)[0] == 200

    replication = file_token(SH_SERVER, "/etc/consul.d/acl-tokens.hcl", "replication")
    assert api_status(SH_SERVER, "GET", "/v1/acl/tokens", replication)[0] == 200
    for method, path, body in [("GET", "/v1/kv/probe", None), ("PUT", "/v1/kv/probe", "x"),
                               ("PUT", "/v1/agent/service/register", dict(Name="db", Port=1)),
                               ("GET", "/v1/operator/raft/configuration", None), ("GET", "/v1/agent/self", None)]:
        code, text = api_status(SH_SERVER, method, path, replication, body)
        assert code == 403, (method, path, code, text[:200])
    assert json.loads(api_status(SH_SERVER, "GET", "/v1/catalog/services", replication)[1]) == {}
    # the replication token on sh's server only; the management token on no host of sh but in its server's
    # Raft state (replicated, as every token is: every server holds them all)
    for host in SERVERS:
        assert "replication" not in on(host, "cat", "/etc/consul.d/acl-tokens.hcl").stdout
    for host, folders in (("web4", ["/var/lib/consul"]), ("dns3", ["/var/lib/consul"]), (SH_SERVER, [])):
        found = on(host, "grep", "-rl", management_token(), "/etc", "/opt", "/root", "/tmp", *folders, check=False)
        assert found.returncode == 1 and found.stdout == "", (host, found.stdout)
    assert on(SH_SERVER, "grep", "-rl", management_token(), "/var/lib/consul").stdout.split() == ["/var/lib/consul/raft/raft.db"]


def test_a_run_limited_to_one_datacenter_changes_nothing(lab):
    proc = converge("--limit", "site_sh")
    recap = play_recap(proc.stdout)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert sorted(recap) == ["dns3", "node4", "web4"]
    assert all(stats["changed"] == 0 for stats in recap.values()), (changed_tasks(proc.stdout), recap)


WAN_CUT = """
table inet lab_wan_cut {
  set bj_servers { type ipv4_addr; elements = { %s } }
  chain input { type filter hook input priority -20; ip saddr @bj_servers drop; }
  chain output { type filter hook output priority -20; ip daddr @bj_servers drop; }
}
""" % ", ".join(SERVERS.values())


def test_a_cut_wan_keeps_local_names_and_fails_the_other_datacenters_cleanly(lab):
    """nftables on sh's server drops everything to and from bj's servers: local names answer with no
    failure in both datacenters; the other datacenter's name fails (never bj's instances for sh's
    name), glibc giving up within its own timeouts; the link back, it answers again."""
    remote = "web.service.sh.%s" % DOMAIN
    local = "web.service.%s" % DOMAIN
    with QueryStream(local, ALL) as bj_stream, QueryStream(local, [SH_BACKEND], server=SH_FORWARDER) as sh_stream:
        cut = on(SH_SERVER, "sh", "-c", "printf '%s' \"$1\" | nft -f -", "sh", WAN_CUT, check=False)
        assert cut.returncode == 0, cut.stderr
        try:
            remote_answers = []
            lookups = []
            deadline = time.monotonic() + 45
            while time.monotonic() < deadline:
                try:
                    remote_answers.append(ask(remote)[1])
                except Exception as exc:   # pylint: disable=broad-except  # a timeout is an answer here
                    remote_answers.append(type(exc).__name__)
                began = time.monotonic()
                rc, found = glibc_addresses("client1", remote)
                lookups.append((rc, found, round(time.monotonic() - began, 2)))
                if rc != 0 and remote_answers[-1] == []:
                    break
                time.sleep(1)
            print("the other datacenter's name during the cut: %s; glibc on client1: %s" % (remote_answers, lookups))
        finally:
            on(SH_SERVER, "nft", "delete", "table", "inet", "lab_wan_cut", check=False)
        # Consul's servers take a datacenter they failed to reach back at their router's next rebalance
        # (about two minutes), whatever the WAN pool says before
        returned = wait_until(lambda: ask(remote)[1] == [SH_BACKEND], timeout=240, interval=1)
        print("the other datacenter's name answered again %.1f s after the link returned" % (returned or -1))
    assert bj_stream.failed() == 0 and bj_stream.counts["full"] == bj_stream.total, bj_stream.report()
    assert sh_stream.failed() == 0 and sh_stream.counts["full"] == sh_stream.total, sh_stream.report()
    assert all(answer in ([], [SH_BACKEND], "Timeout") for answer in remote_answers), remote_answers
    # glibc on client1: two forwarders, timeout:1 attempts:2
    assert lookups and lookups[-1][0] != 0 and all(seconds <= 5 for _rc, _found, seconds in lookups), lookups
    assert returned is not None
