"""The resolver role on the lab's application hosts (tests/lab), resolving as their programs do:
through glibc (getent ahosts). client1 has a plain /etc/resolv.conf (mode resolv_conf), the web
hosts run systemd-resolved with the uplink's resolver on eth0 (mode systemd_resolved, split DNS).
"""

import json
import re
import shlex
import subprocess
import time

import pytest

from harness import PODMAN_GROUP, failure_lines, play_recap
from labdns import ALL, FORWARDERS, LOOKUP_LOOP, SERVERS, converge, glibc_addresses, host_command, on, wait_until

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group(PODMAN_GROUP),
]

SERVICE = "web.service.zhangeamon.com"
ALIASES = ["web.zhangeamon.com", "rails.internal.example"]
RESOLV_CONF_CLIENT, RESOLVED_CLIENT = "client1", "web1"
# a name outside the Consul domain that the uplink's resolver answers: the lab's package mirror
OUTSIDE_NAME = "deb.debian.org"


def test_both_modes_resolve_the_service_and_its_aliases_through_glibc(lab):
    resolv_conf = on(RESOLV_CONF_CLIENT, "cat", "/etc/resolv.conf").stdout
    assert [line for line in resolv_conf.splitlines() if not line.startswith("#")] == \
        ["nameserver " + address for address in FORWARDERS.values()] + ["options timeout:1 attempts:2"]
    # systemd_resolved mode leaves resolv.conf to systemd-resolved and adds the forwarders for the domain
    assert on(RESOLVED_CLIENT, "readlink", "/etc/resolv.conf").stdout.strip() == "../run/systemd/resolve/stub-resolv.conf"
    global_settings = on(RESOLVED_CLIENT, "resolvectl", "status").stdout.split("Link ")[0]
    # "DNS Servers 10.89.50.31 ..." up to systemd 252 (Debian 12), "DNS Servers: ..." from 257 (Debian 13)
    global_settings = re.sub(r"(DNS Servers|DNS Domain):? ", r"\1 ", global_settings)
    assert "DNS Servers %s" % " ".join(FORWARDERS.values()) in global_settings
    assert "DNS Domain ~rails.internal.example ~web.zhangeamon.com ~zhangeamon.com" in global_settings   # sorted

    for host in (RESOLV_CONF_CLIENT, RESOLVED_CLIENT):
        for name in [SERVICE] + ALIASES:
            assert wait_until(lambda: glibc_addresses(host, name)[1] == ALL, timeout=30) is not None, \
                (host, name, glibc_addresses(host, name))


def resolved_servers_asked(host, name):
    """The DNS servers systemd-resolved sends its queries for `name` to (from its debug log)."""
    cursor = on(host, "journalctl", "-u", "systemd-resolved", "-n", "0", "--show-cursor").stdout.split("cursor: ")[-1].strip()
    on(host, "resolvectl", "flush-caches")
    answered = glibc_addresses(host, name)[1]
    log = on(host, "journalctl", "-u", "systemd-resolved", "--after-cursor", cursor, "-o", "cat").stdout
    servers = set(line.split("Using DNS server ")[1].split()[0] for line in log.splitlines() if "Using DNS server " in line)
    return answered, servers


def test_split_mode_sends_only_the_consul_names_to_the_forwarders(lab):
    uplink = on(RESOLVED_CLIENT, "resolvectl", "dns", "eth0").stdout.split(":", 1)[1].split()
    on(RESOLVED_CLIENT, "resolvectl", "log-level", "debug")
    try:
        consul_answer, consul_servers = resolved_servers_asked(RESOLVED_CLIENT, SERVICE)
        alias_answer, alias_servers = resolved_servers_asked(RESOLVED_CLIENT, "rails.internal.example")
        outside_answer, outside_servers = resolved_servers_asked(RESOLVED_CLIENT, OUTSIDE_NAME)
    finally:
        on(RESOLVED_CLIENT, "resolvectl", "log-level", "info")
    print("asked for %s: %s; for the alias: %s; for %s: %s"
          % (SERVICE, sorted(consul_servers), sorted(alias_servers), OUTSIDE_NAME, sorted(outside_servers)))
    assert consul_answer == ALL and consul_servers and consul_servers <= set(FORWARDERS.values())
    assert alias_answer == ALL and alias_servers and alias_servers <= set(FORWARDERS.values())
    # the host's own resolution is unchanged: its uplink's resolver answers, no forwarder is asked
    assert outside_answer and outside_servers and outside_servers <= set(uplink), (outside_servers, uplink)


def test_with_one_forwarder_stopped_every_lookup_in_both_modes_succeeds(lab):
    """A glibc lookup every 50 ms for 20 s on client1 and web1 while dnsmasq on dns1 is stopped for
    10 s, started, and restarted once."""
    duration, interval = 20, 0.05
    assert wait_until(lambda: glibc_addresses(RESOLV_CONF_CLIENT, SERVICE)[1] == ALL, timeout=30) is not None
    clients = dict(
        (host, subprocess.Popen(host_command(host, "sh", "-c", LOOKUP_LOOP % (duration, SERVICE, interval)),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        for host in (RESOLV_CONF_CLIENT, RESOLVED_CLIENT))
    try:
        time.sleep(3)
        on("dns1", "systemctl", "stop", "dnsmasq")
        time.sleep(10)
    finally:
        on("dns1", "systemctl", "start", "dnsmasq")
    time.sleep(2)
    on("dns1", "systemctl", "restart", "dnsmasq")
    for host, client in clients.items():
        out, err = client.communicate(timeout=60)
        ok, failed, slowest = (int(number) for number in out.split())
        print("%s (%s): %d lookups answered, %d failed, the slowest took %d ms, dns1 stopped 10 s and restarted"
              % (host, "resolv.conf" if host == RESOLV_CONF_CLIENT else "systemd-resolved", ok, failed, slowest))
        # a lookup per three intervals at least: each takes its time besides the sleep (and the shell forks)
        assert ok >= duration / (3 * interval) and failed == 0, (host, err)


@pytest.mark.parametrize("extra_vars, named", [
    ({"resolver_nameservers": ["10.89.50.31\nnameserver 6.6.6.6"]}, "resolver_nameservers must hold IP addresses"),
    ({"resolver_mode": "resolv_conf"}, "resolver_mode resolv_conf: systemd-resolved is active; choose resolver_mode"),
    ({"resolver_mode": "systemd_resolved"}, "resolver_mode systemd_resolved: systemd-resolved is not active on this host"),
], ids=["nameserver_injects_a_line", "resolv_conf_on_a_resolved_host", "systemd_resolved_where_it_does_not_run"])
def test_bad_input_is_refused_naming_it_and_no_resolver_changes(lab, extra_vars, named):
    def resolvers():
        return dict((host, on(host, "sh", "-c", "cat /etc/resolv.conf /etc/systemd/resolved.conf.d/* 2>/dev/null",
                              check=False).stdout)
                    for host in (RESOLV_CONF_CLIENT, RESOLVED_CLIENT))
    before = resolvers()
    proc = converge("--tags", "resolver", "--limit", "%s,%s" % (RESOLV_CONF_CLIENT, RESOLVED_CLIENT), "-e", json.dumps(extra_vars))
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0 and named in failure_lines(output), output[-3000:]
    assert resolvers() == before


def test_check_mode_of_a_new_forwarder_list_changes_nothing_and_shows_the_diff(lab):
    before = on(RESOLV_CONF_CLIENT, "cat", "/etc/resolv.conf").stdout
    proc = converge("--tags", "resolver", "--limit", RESOLV_CONF_CLIENT, "--check", "--diff",
                    "-e", json.dumps({"resolver_nameservers": [FORWARDERS["dns2"]]}))
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert play_recap(proc.stdout)[RESOLV_CONF_CLIENT]["changed"] == 1
    assert "-nameserver %s" % FORWARDERS["dns1"] in proc.stdout
    assert on(RESOLV_CONF_CLIENT, "cat", "/etc/resolv.conf").stdout == before


def test_forwarders_that_do_not_answer_are_refused_and_the_resolver_stays(lab):
    """client1 given forwarders that do not answer it (a Consul server: nothing on port 53, refused at
    once; an address nobody has: silence): the run fails naming both and what each gave, before any
    file is written; client1 still resolves through its old forwarders."""
    silent = "10.89.50.250"
    before = on(RESOLV_CONF_CLIENT, "cat", "/etc/resolv.conf").stdout
    proc = converge("--tags", "resolver", "--limit", RESOLV_CONF_CLIENT,
                    "-e", json.dumps({"resolver_nameservers": [SERVERS["node1"], silent]}))
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output[-3000:]
    assert "0 of 2 DNS servers answered" in output, output[-3000:]
    assert "%s:53 refused" % SERVERS["node1"] in output and "%s:53 timed out" % silent in output, output[-3000:]
    assert play_recap(proc.stdout)[RESOLV_CONF_CLIENT]["changed"] == 0
    assert on(RESOLV_CONF_CLIENT, "cat", "/etc/resolv.conf").stdout == before
    assert glibc_addresses(RESOLV_CONF_CLIENT, SERVICE)[1] == ALL


def client1_file(path="/etc/resolv.conf"):
    return on(RESOLV_CONF_CLIENT, "cat", path).stdout


def test_a_linked_resolv_conf_is_refused_and_replaced_only_with_the_takeover_flag(lab):
    """client1's /etc/resolv.conf made a link to another program's file (resolvconf, NetworkManager):
    the role refuses to write it, naming the link, and leaves it; with resolver_resolv_conf_takeover the
    link becomes the role's own file and glibc resolves through the forwarders again."""
    written = client1_file()
    on(RESOLV_CONF_CLIENT, "sh", "-c", "printf 'nameserver 10.89.50.250\\n' > /run/lab-resolv.conf"
                                       " && ln -sfn /run/lab-resolv.conf /etc/resolv.conf")
    try:
        proc = converge("--tags", "resolver", "--limit", RESOLV_CONF_CLIENT)
        assert proc.returncode != 0, proc.stdout[-3000:]
        assert "/etc/resolv.conf is a link to /run/lab-resolv.conf" in failure_lines(proc.stdout), proc.stdout[-3000:]
        assert on(RESOLV_CONF_CLIENT, "readlink", "/etc/resolv.conf").stdout.strip() == "/run/lab-resolv.conf"

        proc = converge("--tags", "resolver", "--limit", RESOLV_CONF_CLIENT,
                        "-e", json.dumps({"resolver_resolv_conf_takeover": True}))
        assert proc.returncode == 0, proc.stdout[-3000:]
        assert on(RESOLV_CONF_CLIENT, "test", "-L", "/etc/resolv.conf", check=False).returncode != 0
        assert client1_file() == written
        assert glibc_addresses(RESOLV_CONF_CLIENT, SERVICE)[1] == ALL
    finally:
        if on(RESOLV_CONF_CLIENT, "test", "-L", "/etc/resolv.conf", check=False).returncode == 0:
            on(RESOLV_CONF_CLIENT, "sh", "-c", "rm /etc/resolv.conf && printf %%s %s > /etc/resolv.conf" % shlex.quote(written))
        on(RESOLV_CONF_CLIENT, "rm", "-f", "/run/lab-resolv.conf")


def test_the_hosts_search_domains_are_kept_and_a_check_name_that_does_not_resolve_fails_the_run(lab):
    """A search line put in client1's resolv.conf by hand survives the role's next write (the forwarders
    listed in another order); that run's resolver_check_name, which glibc cannot resolve, fails it at
    the handler, after the write."""
    written = client1_file()
    try:
        on(RESOLV_CONF_CLIENT, "sh", "-c", "sed -i '/^search /d' /etc/resolv.conf && echo 'search lab.test corp.test'"
                                           " >> /etc/resolv.conf")
        proc = converge("--tags", "resolver", "--limit", RESOLV_CONF_CLIENT, "-e", json.dumps(dict(
            resolver_nameservers=[FORWARDERS["dns2"], FORWARDERS["dns1"]],
            resolver_check_name="absent.service.zhangeamon.com", resolver_check_timeout=2)))
        now = client1_file().splitlines()
        assert "search lab.test corp.test" in now and "nameserver %s" % FORWARDERS["dns2"] in now[:3], now
        assert proc.returncode != 0, proc.stdout[-3000:]
        assert "could not be found" in failure_lines(proc.stdout), proc.stdout[-3000:]
    finally:
        on(RESOLV_CONF_CLIENT, "sed", "-i", "/^search /d", "/etc/resolv.conf")
        converge("--tags", "resolver", "--limit", RESOLV_CONF_CLIENT)
    assert client1_file() == written
