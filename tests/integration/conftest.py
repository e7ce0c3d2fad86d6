import http.server
import os
import socket
import subprocess
import threading
import time

import pytest

from harness import CONSUL_BIN, ConsulAgent
from labdns import FIRST_CONVERGE_LOG, LAB, converge, lab_env


def lab_image():
    """The lab's image as lab.sh names it (its Debian release in the name: LAB_RELEASE or lab.sh's default)."""
    proc = subprocess.run(["bash", os.path.join(LAB, "lab.sh"), "image-name"], capture_output=True, text=True,
                          env=lab_env(), check=False)
    return proc.stdout.strip() or "unknown (lab.sh image-name: %s)" % proc.stderr.strip()[-200:]


def pytest_report_header(config):
    return "lab hosts: %s" % lab_image()


def pytest_collection_modifyitems(config, items):
    if not os.access(CONSUL_BIN, os.X_OK):
        raise pytest.UsageError("no consul binary at %s: run tests/setup-host.sh first" % CONSUL_BIN)


@pytest.fixture(scope="session")
def podman_worker(request):
    """Fail fast unless pytest-xdist keeps every podman test on one worker: they share the lab's
    hosts and addresses (pytest 9.2 made xdist_group silently ineffective)."""
    if getattr(request.config.option, "loadgroup", False):
        ungrouped = [item.nodeid for item in request.session.items
                     if item.get_closest_marker("xdist_group") and "@" not in item.nodeid]
        if ungrouped:
            pytest.fail("pytest-xdist did not group %s: is pytest newer than pytest-xdist supports?" % ungrouped[0])


@pytest.fixture(scope="session")
def lab(podman_worker):
    """The lab (tests/lab) built and converged once for the lab tests (about 4 minutes), torn down after.

    CONSUL_DNS_LAB_REUSE=1 (developers) takes a lab that is up as it is and leaves it up."""
    lab_sh = os.path.join(LAB, "lab.sh")
    if os.environ.get("CONSUL_DNS_LAB_REUSE") == "1":
        if subprocess.run(["podman", "container", "exists", "cdns-lab-dns1"], env=lab_env(), check=False).returncode == 0:
            yield
            return
    try:
        attempts = []
        for _attempt in range(2):
            # podman here sometimes keeps state of removed containers; a second bring-up starts clean
            up = subprocess.run(["bash", lab_sh, "up"], capture_output=True, text=True, env=lab_env(), check=False)
            attempts.append(up.stdout[-2000:] + up.stderr[-2000:])
            if up.returncode == 0:
                break
            subprocess.run(["bash", lab_sh, "down"], capture_output=True, env=lab_env(), check=False)
        image = lab_image()
        assert up.returncode == 0, "lab.sh up of %s failed twice:\n" % image + "\n---\n".join(attempts)
        if len(attempts) > 1:
            print("lab.sh up needed a second attempt; the first said:\n" + attempts[0])
        # verbosely, with diffs: the secrets test searches this first, bootstrapping run too
        first = converge("-vvv", "--diff")
        with open(FIRST_CONVERGE_LOG, "w", encoding="utf-8") as log:
            log.write(first.stdout + first.stderr)
        assert first.returncode == 0, "the first converge on %s:\n" % image + first.stdout[-5000:] + first.stderr[-2000:]
        yield
    finally:
        if os.environ.get("CONSUL_DNS_LAB_REUSE") != "1":
            subprocess.run(["bash", lab_sh, "down"], capture_output=True, env=lab_env(), check=False)


def _agent(name, **kwargs):
    agent = ConsulAgent(name, **kwargs).start()
    yield agent
    agent.stop()


@pytest.fixture(scope="session")
def agent():
    """A plain single-node Consul 1.8.7 agent (-dev) on loopback."""
    yield from _agent("it-plain")


@pytest.fixture(scope="session")
def quiet_agent():
    """An agent no test leaves failing node checks on."""
    yield from _agent("it-quiet")


@pytest.fixture(scope="session")
def acl_agent():
    """ACLs on, default deny; its master token is the only way in."""
    yield from _agent("it-acl", acl=True)


@pytest.fixture(scope="session")
def tls_agent():
    """HTTPS only, with a CA made by the harness and client certificates required."""
    yield from _agent("it-tls", tls=True)


class _Quiet(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    do_POST = do_GET

    def log_message(self, *args):
        pass


class Listener:
    """A real HTTP (and so TCP) listener on a loopback address, startable and stoppable."""

    def __init__(self, address="127.0.0.1"):
        self.address = address
        self.server = http.server.ThreadingHTTPServer((address, 0), _Quiet)
        self.port = self.server.server_address[1]
        self.thread = None
        self.holder = None

    def start(self):
        if self.server is None:
            self.holder.close()
            self.server = http.server.ThreadingHTTPServer((self.address, self.port), _Quiet)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        """Connections refused from now on: the port stays bound, not listening, without SO_REUSEADDR,
        as a freed port taken by another process (a wildcard listener catches this address too) would
        make a stopped backend pass its check again."""
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
            self.holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                self.holder.bind((self.address, self.port))
            except OSError:   # a connection in TIME_WAIT on the port
                self.holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                self.holder.bind((self.address, self.port))


@pytest.fixture
def listener():
    started = Listener().start()
    yield started
    started.stop()


def wait_for(predicate, timeout=15, interval=0.2, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))
