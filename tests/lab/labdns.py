"""Talking to the podman lab (tests/lab) from Python: its hosts, its forwarder, DNS questions.

Shared by the lab DNS tests and the benchmarks. Only lab addresses are ever asked.
"""

import collections
import os
import socket
import subprocess
import sys
import threading
import time

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
from ansible.errors import AnsibleConnectionFailure

from connection_plugins.podman_nsenter import container_pid, nsenter_argv

LAB = os.path.dirname(os.path.abspath(__file__))
# what lab.sh keeps outside the checkout (containers.conf, the fact cache, logs)
LAB_STATE = os.path.join(os.environ.get("CONSUL_DNS_CACHE", "/var/cache/discovery-consul-dns"), "lab")
# the lab fixture's first converge (-vvv --diff), searched for secrets
FIRST_CONVERGE_LOG = os.path.join(LAB_STATE, "first-converge.log")
VENV_BIN = os.path.dirname(sys.executable)
FORWARDER = "10.89.50.31"
FORWARDERS = {"dns1": FORWARDER, "dns2": "10.89.50.32"}
SERVERS = {"node1": "10.89.50.11", "node2": "10.89.50.12", "node3": "10.89.50.13"}
BACKENDS = {"web1": "10.89.50.21", "web2": "10.89.50.22", "web3": "10.89.50.23"}
ALL = sorted(BACKENDS.values())
# the reference topology's checks: interval 1s, failures_before_critical 3, success_before_passing 3; TTL 0
LEAVE_BOUND = 1 * 3 + 0 + 1     # interval x failures_before_critical + service_ttl + 1 s
RETURN_BOUND = 1 * 3 + 0 + 1    # interval x success_before_passing + negative-cache TTL + 1 s


# Every lab agent's HTTP API: HTTPS on loopback, client certificate required (the role's TLS default)
AGENT_API = "https://127.0.0.1:8501"
AGENT_CONNECTION = dict(scheme="https", port=8501, ca_path="/etc/consul.d/tls/ca.pem", client_cert="/etc/consul.d/tls/agent.pem",
                        client_key="/etc/consul.d/tls/agent-key.pem")   # the collection's modules, on a lab host
AGENT_CURL = ["curl", "-sf", "-m", "3", "--cacert", "/etc/consul.d/tls/ca.pem", "--cert", "/etc/consul.d/tls/agent.pem",
              "--key", "/etc/consul.d/tls/agent-key.pem"]


def lab_env():
    env = dict(os.environ)
    env.update(CONTAINERS_CONF=os.path.join(LAB_STATE, "containers.conf"),
               ANSIBLE_CONFIG=os.path.join(LAB, "ansible.cfg"),
               PATH=VENV_BIN + os.pathsep + os.environ["PATH"])
    return env


def converge(*args, playbook="converge.yml", **environment):
    """The lab's converge.yml (the lab's scaffolding, then site.yml; --tags skip the scaffolding's plays)."""
    return subprocess.run([os.path.join(VENV_BIN, "ansible-playbook"), playbook] + list(args), cwd=LAB,
                          env=dict(lab_env(), **environment), capture_output=True, text=True, check=False)


def host_command(host, *command):
    """The argv that runs a command on a lab host as the lab's connection does (nsenter: a podman
    start for each command costs 0.4 s, most of a polling loop's time)."""
    return nsenter_argv(container_pid("cdns-lab-" + host), command)


def on(host, *command, check=True):
    """Run a command on a lab host; on a stopped host it fails as a command would (podman exec's 125)."""
    try:
        argv = host_command(host, *command)
    except AnsibleConnectionFailure as gone:
        if check:
            raise
        return subprocess.CompletedProcess(command, 125, "", str(gone))
    return subprocess.run(argv, capture_output=True, text=True, check=check)


def glibc_addresses(host, name):
    """(getent's exit status, the sorted IPv4 addresses) of `name` on a lab host, resolved through glibc
    as its programs resolve (client1: resolv.conf, the web hosts: systemd-resolved)."""
    proc = on(host, "getent", "ahostsv4", name, check=False)
    return proc.returncode, sorted(set(line.split()[0] for line in proc.stdout.splitlines() if line.strip()))


# glibc lookups of a name (argument 2) every so often (argument 3) for a while (argument 1, seconds) on a
# lab host, as its programs resolve: prints how many answered, how many failed and the slowest in ms
LOOKUP_LOOP = r"""
    ok=0; failed=0; slowest=0; end=$(( $(date +%%s) + %d ))
    while [ "$(date +%%s)" -lt "$end" ]; do
        start=$(date +%%s%%N)
        if getent ahostsv4 %s >/dev/null; then ok=$((ok + 1)); else failed=$((failed + 1)); fi
        took=$(( ($(date +%%s%%N) - start) / 1000000 ))
        [ "$took" -gt "$slowest" ] && slowest=$took
        sleep %s
    done
    echo "$ok $failed $slowest"
"""


def ask(name, rdtype=dns.rdatatype.A, server=FORWARDER, port=53):
    """(CNAME targets, sorted addresses, TTLs, addresses in answer order) from a lab resolver."""
    reply = dns.query.udp(dns.message.make_query(name, rdtype), server, port=port, timeout=2)
    cnames = [item.target.to_text() for rrset in reply.answer if rrset.rdtype == dns.rdatatype.CNAME for item in rrset]
    ordered = a_records(reply)
    ttls = [rrset.ttl for rrset in reply.answer if rrset.rdtype == dns.rdatatype.A]
    return cnames, sorted(ordered), ttls, ordered


def a_records(reply):
    """The addresses of a reply's A records, in answer order."""
    return [item.address for rrset in reply.answer if rrset.rdtype == dns.rdatatype.A for item in rrset]


def wait_until(predicate, timeout, interval=0.05):
    """Seconds until predicate() held, polled every `interval`; None after `timeout`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(interval)
    return None


def management_token():
    with open(os.path.join(LAB, ".consul-bj-management.token"), encoding="utf-8") as handle:
        return handle.read().strip()


class EveryInterval:
    """Runs ``once()`` every INTERVAL in a thread while the block runs, counting outcomes in
    ``counts``. Any exception ``once()`` does not handle ends the loop and fails the block: a
    verdict is never taken on a run cut short."""

    INTERVAL = 0.05

    def __init__(self):
        self.counts = collections.Counter()
        self.duration = 0.0
        self.error = None
        self._started = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def once(self):
        raise NotImplementedError

    def _loop(self):
        while not self._stop.is_set():
            try:
                self.once()
            except Exception as exc:   # pylint: disable=broad-except  # reported by __exit__
                self.error = exc
                return
            time.sleep(self.INTERVAL)

    def __enter__(self):
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, exc_type, *exc_info):
        self._stop.set()
        self._thread.join()
        self.duration = time.monotonic() - self._started
        print("%s: %s" % (self, self.report()))
        if self.error is not None and exc_type is None:
            raise AssertionError("%s stopped after %s: %r" % (self, dict(self.counts), self.error))

    def report(self):
        return "%s in %.1f s" % (dict(self.counts), self.duration)

    def elapsed(self):
        """Seconds since the block began, for the record of what went wrong when."""
        return round(time.monotonic() - self._started, 2)

    @property
    def total(self):
        return sum(self.counts.values())


class QueryStream(EveryInterval):
    """Asks the forwarder for `name` every 50 ms while the block runs, and counts the answers:
    "full" (exactly `expected`), "partial", "empty", "timeout" or the error rcode (SERVFAIL...)."""

    TIMEOUT = 2

    def __init__(self, name, expected=ALL, server=FORWARDER):
        super().__init__()
        self.name, self.expected, self.server = name, sorted(expected), server
        self.odd = []   # (seconds into the block, kind, addresses) of every answer but a full one

    def __str__(self):
        return "the queries for %s at %s" % (self.name, self.server)

    def once(self):
        try:
            reply = dns.query.udp(dns.message.make_query(self.name, dns.rdatatype.A), self.server, timeout=self.TIMEOUT)
        except dns.exception.Timeout:
            self._count("timeout")
            return
        addresses = sorted(a_records(reply))
        if reply.rcode() != dns.rcode.NOERROR:
            self._count(dns.rcode.to_text(reply.rcode()), addresses)
        elif addresses == self.expected:
            self.counts["full"] += 1
        else:
            self._count("partial" if addresses else "empty", addresses)

    def _count(self, kind, addresses=()):
        self.counts[kind] += 1
        self.odd.append((self.elapsed(), kind, addresses))

    def report(self):
        # every failure's time (to find its step in a log), then the first partial answers
        failed = [entry for entry in self.odd if entry[1] != "partial"]
        odd = "; not full: %s" % (failed[:40] + [entry for entry in self.odd if entry[1] == "partial"][:10]) if self.odd else ""
        return "%s (at least %d expected)%s" % (super().report(), self.minimum(), odd)

    def minimum(self):
        """The fewest answers a sound stream gives in its duration: half of one per interval (a
        query may take as long as the interval), a timeout taking its whole TIMEOUT."""
        return int((self.duration - self.counts["timeout"] * self.TIMEOUT) / (2 * self.INTERVAL))

    def failed(self):
        """Answers that were not answers: timeouts and error rcodes."""
        return sum(count for kind, count in self.counts.items() if kind not in ("full", "partial", "empty"))


class ConnectingClient(EveryInterval):
    """A client of a web service as applications are: every 50 ms it resolves a name through the
    forwarders (each in turn) and opens a TCP connection to every address it gets. Counts
    connections made, refused and timed out, and lookups that failed."""

    TIMEOUT = 1

    def __init__(self, name, port=8000, servers=tuple(FORWARDERS.values())):
        super().__init__()
        self.name, self.port, self.servers = name, port, list(servers)
        self.failures = []   # (seconds into the block, address or resolver, what happened)
        self._turn = 0

    def __str__(self):
        return "the client of %s" % self.name

    def _connect(self, address):
        try:
            with socket.create_connection((address, self.port), timeout=self.TIMEOUT):
                return "connected"
        except ConnectionRefusedError:
            return "refused"
        except OSError:
            return "timeout"

    def _failed(self, where, what):
        self.failures.append((self.elapsed(), where, what))

    def once(self):
        server = self.servers[self._turn % len(self.servers)]
        self._turn += 1
        try:
            reply = dns.query.udp(dns.message.make_query(self.name, dns.rdatatype.A), server, timeout=2)
        except dns.exception.Timeout:
            self.counts["lookup failed"] += 1
            self._failed(server, "lookup timed out")
            return
        addresses = a_records(reply)
        if reply.rcode() != dns.rcode.NOERROR or not addresses:
            self.counts["lookup failed"] += 1
            self._failed(server, "no address")
        for address in addresses:
            outcome = self._connect(address)
            self.counts[outcome] += 1
            if outcome != "connected":
                self._failed(address, outcome)

    def report(self):
        return "%s; failures: %s" % (super().report(), self.failures[:10])

    def failed(self):
        return sum(count for kind, count in self.counts.items() if kind != "connected")
