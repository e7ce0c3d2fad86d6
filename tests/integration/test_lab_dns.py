"""Aliases, round-robin, caching and failover through the dnsmasq forwarder of the lab (tests/lab).

The lab is built and converged once for all lab tests (the `lab` fixture) and torn down after them.
Queries go from here (dnspython) and from a lab host (glibc) to the forwarder dns1; only lab
addresses are asked.
"""

import collections
import json
import os
import subprocess
import time

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from harness import run_module
from labdns import (AGENT_CONNECTION, ALL, BACKENDS, FORWARDER, LAB, LEAVE_BOUND, RETURN_BOUND, VENV_BIN, QueryStream, ask, lab_env,
                    management_token, on, wait_until)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("podman"),
]


@pytest.mark.parametrize("alias,target", [("web.zhangeamon.com", "web.alias.zhangeamon.com."),
                                          ("rails.internal.example", "rails.web.alias.zhangeamon.com.")])
def test_alias_answers_cname_and_every_healthy_address(lab, alias, target):
    cnames, addresses, _ttls, _order = ask(alias)
    assert cnames == [target]
    assert addresses == ALL


def test_an_alias_consul_answers_returns_every_healthy_address(lab):
    """www.service: Consul answers the CNAME and the addresses in one reply, all four records
    counted by udp_answer_limit (Consul's default 3 would drop an address, silently)."""
    cnames, addresses, _ttls, _order = ask("www.service.zhangeamon.com")
    assert cnames == ["web.service.zhangeamon.com."]
    assert addresses == ALL


def glibc_addresses(name):
    """getent ahostsv4 on web1 with the forwarder as its resolver, as an application resolves."""
    script = ("cp /etc/resolv.conf /tmp/resolv.conf.lab && echo 'nameserver %s' > /etc/resolv.conf && "
              "getent ahostsv4 %s; rc=$?; cp /tmp/resolv.conf.lab /etc/resolv.conf; exit $rc" % (FORWARDER, name))
    proc = on("web1", "sh", "-c", script, check=False)
    return proc.returncode, sorted(set(line.split()[0] for line in proc.stdout.splitlines() if line.strip()))


def test_alias_resolves_through_glibc(lab):
    assert glibc_addresses("web.zhangeamon.com") == (0, ALL)


def test_the_seeds_cname_line_gives_clients_no_address(lab):
    """The seed's `cname=...,web.service.<domain>`: a bare CNAME, so glibc finds no address."""
    cnames, addresses, _ttls, _order = ask("seed-broken.internal.example")
    assert cnames == ["web.service.zhangeamon.com."] and addresses == []
    rc, found = glibc_addresses("seed-broken.internal.example")
    assert rc == 2 and found == []


def test_a_dead_backend_leaves_every_answer_within_the_bound_and_returns_by_itself(lab):
    names = ("web.service.zhangeamon.com", "web.zhangeamon.com")
    dead = BACKENDS["web2"]
    on("web2", "systemctl", "stop", "web-backend")
    try:
        left = wait_until(lambda: all(dead not in ask(name)[1] for name in names), timeout=3 * LEAVE_BOUND)
    finally:
        on("web2", "systemctl", "start", "web-backend")
    back = wait_until(lambda: all(ask(name)[1] == ALL for name in names), timeout=3 * RETURN_BOUND)
    print("backend left the answers after %.2f s (bound %s s), returned after %.2f s (bound %s s)"
          % (left or -1, LEAVE_BOUND, back or -1, RETURN_BOUND))
    assert left is not None and left <= LEAVE_BOUND
    assert back is not None and back <= RETURN_BOUND


def test_an_alias_with_no_healthy_instance_answers_its_cname_and_no_address(lab):
    """Defined answer: NOERROR, the CNAME, no A record; never the last addresses it had."""
    for host in BACKENDS:
        on(host, "systemctl", "stop", "web-backend")
    try:
        emptied = wait_until(lambda: ask("web.zhangeamon.com")[1] == [], timeout=3 * LEAVE_BOUND)
        reply = dns.query.udp(dns.message.make_query("web.zhangeamon.com", dns.rdatatype.A), FORWARDER, timeout=2)
        assert emptied is not None and emptied <= LEAVE_BOUND
        assert reply.rcode() == dns.rcode.NOERROR
        assert ask("web.zhangeamon.com")[:2] == (["web.alias.zhangeamon.com."], [])
    finally:
        for host in BACKENDS:
            on(host, "systemctl", "start", "web-backend")
    assert wait_until(lambda: ask("web.zhangeamon.com")[1] == ALL, timeout=3 * RETURN_BOUND) is not None


def test_a_newly_registered_instance_appears_within_the_bound(lab):
    """Asked before it exists (a negative answer that could be cached), then registered."""
    name = "fresh.service.zhangeamon.com"
    assert ask(name)[1] == []
    token = management_token()
    service = dict(AGENT_CONNECTION, name="fresh", address=BACKENDS["web1"], token=token,
                   checks=[dict(tcp="%s:8000" % BACKENDS["web1"], interval="1s", timeout="1s",
                                success_before_passing=3, failures_before_critical=3)])
    register = [os.path.join(VENV_BIN, "ansible"), "web1", "-m", "discovery.consul_dns.consul_service",
                "-e", "ansible_python_interpreter=/opt/discovery-consul-dns/venv/bin/python", "-a"]
    start = time.monotonic()
    subprocess.run(register + [json.dumps(service)], cwd=LAB, env=lab_env(), check=True, capture_output=True)
    appeared = wait_until(lambda: ask(name)[1] == [BACKENDS["web1"]], timeout=3 * RETURN_BOUND)
    print("a new instance appeared after %.2f s (bound %s s, registration included)"
          % (time.monotonic() - start if appeared is not None else -1, RETURN_BOUND))
    subprocess.run(register + [json.dumps(dict(AGENT_CONNECTION, name="fresh", state="absent", token=token))], cwd=LAB,
                   env=lab_env(), check=True, capture_output=True)
    assert appeared is not None and appeared <= RETURN_BOUND


def test_restarting_the_forwarders_agent_never_publishes_an_empty_or_partial_alias(lab):
    with QueryStream("web.zhangeamon.com") as stream:
        for _restart in range(10):
            on("dns1", "systemctl", "restart", "consul")
            time.sleep(1.5)
    assert stream.total >= stream.minimum() and stream.counts["full"] == stream.total, stream.counts


@pytest.mark.parametrize("name", ["web.service.zhangeamon.com", "webc.query.zhangeamon.com"],
                         ids=["ttl-0", "cached-5s"])
def test_answers_rotate(lab, name):
    first = collections.Counter(ask(name)[3][0] for _query in range(300))
    print("%s: first address in 300 answers: %s" % (name, dict(first)))
    assert sorted(first) == ALL
    assert min(first.values()) >= 0.25 * 300


def test_cached_answers_count_their_ttl_down(lab):
    """From a fresh answer (the query's whole TTL, 5 s: dnsmasq has just asked Consul), 2 s later
    the same answer from dnsmasq's cache with 2 s less."""
    name = "webc.query.zhangeamon.com"
    assert wait_until(lambda: min(ask(name)[2]) == 5, timeout=10, interval=0.2) is not None
    fetched = time.monotonic()
    time.sleep(2)
    cached, waited = min(ask(name)[2]), time.monotonic() - fetched
    assert 5 - waited - 1 <= cached <= 5 - waited + 1, (cached, waited)


def test_the_lookup_through_a_forwarder_follows_health(lab):
    """consul_backends with via=dns, asking the forwarder as any client does."""
    def backends():
        result = run_module("ansible.builtin.debug", dict(
            msg="{{ query('discovery.consul_dns.consul_backends', 'web', via='dns', dns_server=forwarder, dns_port=53,"
                " domain='zhangeamon.com', format='address_port', order='sorted') }}"), extra_vars=dict(forwarder=FORWARDER))
        assert not result.get("failed"), result
        return result["msg"]
    assert backends() == ["%s:8000" % address for address in ALL]
    on("web2", "systemctl", "stop", "web-backend")
    try:
        assert wait_until(lambda: BACKENDS["web2"] + ":8000" not in backends(), timeout=3 * LEAVE_BOUND) is not None
    finally:
        on("web2", "systemctl", "start", "web-backend")
    assert wait_until(lambda: ask("web.service.zhangeamon.com")[1] == ALL, timeout=3 * RETURN_BOUND) is not None
