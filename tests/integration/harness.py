"""Real Consul agents on loopback for the integration tests, and a way to run the collection's
modules and playbooks through real Ansible.

Every agent started here sets disable_update_check: without it even `consul agent -dev` calls
HashiCorp's update service, and no traffic may leave this machine.
"""

import hashlib
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import requests

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REPO_PLAYBOOKS = os.path.join(REPO, "playbooks")
CONSUL_BIN = os.environ.get("CONSUL_BIN", "/var/cache/discovery-consul-dns/bin/consul")
VENV_BIN = os.path.dirname(sys.executable)

# The xdist group of the podman tests and of the CPU-bound tools: one after the other on one worker,
# the rest of the tests on the other. The lab's tests share its hosts. Molecule, the oldest versions'
# run and the ecosystem tools beside the lab (even niced) doubled every podman test's time on this
# machine's two cores, which were already saturated, and starved the lab's Consul servers into
# elections (23 SERVFAILs where one is allowed): CI took 91 minutes that way against 81 in one group.
PODMAN_GROUP = "podman"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_udp_tcp_port():
    """A port free for both TCP and UDP (Consul's DNS listens on both)."""
    for _attempt in range(50):
        port = free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            try:
                udp.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port for TCP and UDP")


class ConsulAgent:
    """One `consul agent -dev` (a single-node server) on 127.0.0.1 with free ports."""

    def __init__(self, name, acl=False, tls=False, extra_hcl=""):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="consul-it-%s-" % name)
        self.ports = dict(
            http=free_port(), dns=free_udp_tcp_port(), serf_lan=free_port(), serf_wan=free_port(), server=free_port()
        )
        self.master_token = str(uuid.uuid4()) if acl else None
        self.tls = make_tls_material(self.dir) if tls else None
        self.scheme = "https" if tls else "http"
        self.url = "%s://127.0.0.1:%d" % (self.scheme, self.ports["http"])
        self.process = None
        self.extra_hcl = extra_hcl

    def config(self):
        ports = dict(self.ports)
        lines = [
            "disable_update_check = true",
            'node_name = "%s"' % self.name,
            'bind_addr = "127.0.0.1"',
            'client_addr = "127.0.0.1"',
            'data_dir = "%s/data"' % self.dir,
            # API registrations count as remote in Consul 1.8: enable_local_script_checks is not enough.
            # Safe here: the agent listens on loopback only and lives as long as the test session.
            "enable_script_checks = true",
            # only_passing as the role sets it: DNS and the HTTP API agree on what is healthy
            "dns_config { udp_answer_limit = 10\n only_passing = true }",
        ]
        if self.tls:
            ports["https"] = ports.pop("http")
            ports["http"] = -1
            lines += [
                'ca_file = "%s"' % self.tls["ca"],
                'cert_file = "%s"' % self.tls["server_cert"],
                'key_file = "%s"' % self.tls["server_key"],
                "verify_incoming_https = true",
            ]
        if self.master_token:
            lines.append(
                'acl { enabled = true\n default_policy = "deny"\n down_policy = "extend-cache"\n'
                ' tokens { master = "%s"\n agent = "%s" } }' % (self.master_token, self.master_token)
            )
        ports["grpc"] = -1
        lines.append("ports { %s }" % " ".join("%s = %d" % kv for kv in sorted(ports.items())))
        lines.append(self.extra_hcl)
        return "\n".join(lines) + "\n"

    def start(self):
        config = os.path.join(self.dir, "agent.hcl")
        with open(config, "w") as handle:
            handle.write(self.config())
        self.log = open(os.path.join(self.dir, "agent.log"), "w")
        self.process = subprocess.Popen(
            [CONSUL_BIN, "agent", "-dev", "-config-file", config], stdout=self.log, stderr=subprocess.STDOUT
        )
        self.wait_ready()
        return self

    def api(self, method, path, **kwargs):
        """One HTTP API call with the agent's credentials; None for 404 and empty answers."""
        if self.tls:
            # per request: a session's verify loses to REQUESTS_CA_BUNDLE from the environment
            kwargs.update(verify=self.tls["ca"], cert=(self.tls["client_cert"], self.tls["client_key"]))
        if self.master_token:
            kwargs["headers"] = {"X-Consul-Token": self.master_token}
        response = requests.request(method, self.url + path, timeout=10, **kwargs)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json() if response.content else None

    def wait_ready(self, timeout=30):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("consul agent %s exited: see %s/agent.log" % (self.name, self.dir))
            try:
                if self.api("GET", "/v1/status/leader") and self.api("GET", "/v1/agent/self") and \
                        self.api("GET", "/v1/catalog/node/%s" % self.name):
                    return
            except requests.RequestException as exc:
                last = exc
            time.sleep(0.2)
        raise RuntimeError("consul agent %s not ready after %ss: %s" % (self.name, timeout, last))

    def connection(self):
        """Module options that reach this agent."""
        options = dict(host="127.0.0.1", port=self.ports["http"], scheme=self.scheme)
        if self.master_token:
            options["token"] = self.master_token
        if self.tls:
            options.update(ca_path=self.tls["ca"], client_cert=self.tls["client_cert"], client_key=self.tls["client_key"])
        return options

    def snapshot(self):
        """Services and checks of the agent, to show that a refused input changed nothing."""
        return self.api("GET", "/v1/agent/services"), self.api("GET", "/v1/agent/checks")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def make_tls_material(directory):
    """A throw-away CA, a server certificate for 127.0.0.1 and a client certificate."""
    def run(*args):
        subprocess.run(["openssl"] + list(args), check=True, capture_output=True, cwd=directory)

    paths = dict(
        ca=os.path.join(directory, "ca.pem"),
        server_cert=os.path.join(directory, "server.pem"),
        server_key=os.path.join(directory, "server-key.pem"),
        client_cert=os.path.join(directory, "client.pem"),
        client_key=os.path.join(directory, "client-key.pem"),
    )
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=consul-it-ca",
        "-keyout", "ca-key.pem", "-out", "ca.pem")
    for who, cn in (("server", "server.dc1.consul"), ("client", "client.dc1.consul")):
        with open(os.path.join(directory, who + ".ext"), "w") as ext:
            ext.write("subjectAltName=DNS:%s,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n" % cn)
        run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=%s" % cn, "-keyout", who + "-key.pem", "-out", who + ".csr")
        run("x509", "-req", "-in", who + ".csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
            "-days", "2", "-extfile", who + ".ext", "-out", who + ".pem")
    return paths


def ansible_env(extra=None):
    env = dict(os.environ)
    env.update(
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        ANSIBLE_DEPRECATION_WARNINGS="false",
        ANSIBLE_NOCOLOR="1",
    )
    for name in ("CONSUL_HTTP_ADDR", "CONSUL_HTTP_TOKEN", "CONSUL_CACERT", "CONSUL_CLIENT_CERT",
                 "CONSUL_CLIENT_KEY", "CONSUL_HTTP_SSL_VERIFY"):
        env.pop(name, None)
    env.update(extra or {})
    return env


# The collection's modules an action plugin runs: only ansible runs them as an operator would.
ACTION_PLUGINS = frozenset(name[:-3] for name in os.listdir(os.path.join(REPO, "plugins", "action")) if name.endswith(".py"))


def run_module(module, args, check=False, diff=False, env=None, extra_vars=None):
    """Run a module (discovery.consul_dns.<module> unless a full name) once; its result dict.

    The collection's own modules run as ansible's local connection runs them, the module's process
    given its arguments and printing its result (a second each instead of ansible's two); through
    `ansible` on localhost instead when ansible's part matters: an action plugin, extra variables,
    an ANSIBLE_* setting (verbosity, callbacks), or CONSUL_DNS_TESTS_THROUGH_ANSIBLE=1 for all."""
    fqcn = module if "." in module else "discovery.consul_dns." + module
    name = fqcn.rpartition(".")[2]
    if (fqcn == "discovery.consul_dns." + name and name not in ACTION_PLUGINS and not extra_vars
            and not any(key.startswith("ANSIBLE_") for key in env or {})
            and os.environ.get("CONSUL_DNS_TESTS_THROUGH_ANSIBLE") != "1"):
        return _run_collection_module(name, args, check, diff, env)
    extra_vars = dict(extra_vars or {})
    encoded = json.dumps(args)
    if len(encoded) > 64 * 1024:
        # too long for a command line: each argument comes from a variable in an extra-vars file
        extra_vars["module_args"] = args
        encoded = json.dumps(dict((key, "{{ module_args[%r] }}" % key) for key in args))
    cmd = [os.path.join(VENV_BIN, "ansible"), "localhost", "-i", "localhost,", "-c", "local",
           "-m", fqcn, "-a", encoded]
    if check:
        cmd.append("--check")
    if diff:
        cmd.append("--diff")
    with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
        json.dump(extra_vars, handle)
        handle.flush()
        proc = subprocess.run(
            cmd + ["-e", "@" + handle.name], capture_output=True, text=True, check=False,
            env=ansible_env(dict(ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", **(env or {}))),
        )
    try:
        # the json callback's document starts at a line of its own; verbose runs print lines before it
        output = json.loads(proc.stdout[proc.stdout.index("{\n") if not proc.stdout.startswith("{") else 0:])
        result = output["plays"][0]["tasks"][0]["hosts"]["localhost"]
    except (ValueError, KeyError, IndexError):
        raise AssertionError("ansible did not return a result (rc %s):\n%s\n%s" % (proc.returncode, proc.stdout, proc.stderr))
    result = ModuleResult(result)
    result.stderr = proc.stderr
    return result


def _run_collection_module(name, args, check, diff, env):
    """The module's own process with ansible's internal arguments for check mode and diff, which
    AnsibleModule reads; its no_log masking, argument checks and result are the module's own."""
    module_args = dict(args, _ansible_check_mode=check, _ansible_diff=diff, _ansible_verbosity=0)
    # this harness's own collection: a copy at ansible_collections/discovery/consul_dns (the mutation
    # runs') by its place, a checkout through the link tests/env.sh makes; the rest of PYTHONPATH kept
    # (the mutation runs' sitecustomize comes through it)
    if REPO.replace(os.sep, "/").endswith("/ansible_collections/discovery/consul_dns"):
        collections_root = os.path.dirname(os.path.dirname(os.path.dirname(REPO)))
    else:
        collections_root = os.environ["ANSIBLE_COLLECTIONS_PATH"].split(os.pathsep)[0]
    search_path = os.pathsep.join([collections_root] + [entry for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep) if entry])
    with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": module_args}, handle)
        handle.flush()
        proc = subprocess.run(
            [sys.executable, "-m", "ansible_collections.discovery.consul_dns.plugins.modules." + name, handle.name],
            capture_output=True, text=True, check=False,
            env=ansible_env(dict(PYTHONPATH=search_path, **(env or {}))),
        )
    try:
        result = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError("the module %s did not return a result (rc %s):\n%s\n%s" % (name, proc.returncode, proc.stdout, proc.stderr))
    # as ansible reports every task
    result.setdefault("changed", False)
    result = ModuleResult(result)
    result.stderr = proc.stderr
    return result


class ModuleResult(dict):
    """A module's result whose failure shows its message when a test reads ``changed``."""

    def __getitem__(self, key):
        if key == "changed" and self.get("failed"):
            raise AssertionError("the module failed: %s" % self.get("msg"))
        return dict.__getitem__(self, key)


def run_playbook(playbook, extra_vars=None, check=False, verbosity=0, env=None):
    """Run a playbook on localhost; (returncode, stdout+stderr, stats per host).

    extra_vars: a dictionary, or "@file" for variables too large for a command line."""
    cmd = [os.path.join(VENV_BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local", playbook]
    if extra_vars:
        cmd += ["-e", extra_vars if isinstance(extra_vars, str) else json.dumps(extra_vars)]
    if check:
        cmd.append("--check")
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=ansible_env(env))
    output = proc.stdout + proc.stderr
    return proc.returncode, output, play_recap(output)


def play_recap(output):
    """{host: {"ok": n, "changed": n, "unreachable": n, "failed": n, ...}} from ansible-playbook's recap."""
    stats = {}
    in_recap = False
    for line in output.splitlines():
        if line.startswith("PLAY RECAP"):
            in_recap = True
            continue
        if in_recap and ":" in line and "ok=" in line:
            host, counters = line.split(":", 1)
            stats[host.strip()] = dict((k, int(v)) for k, v in (item.split("=") for item in counters.split()))
    return stats


def changed_tasks(output):
    """Each "changed" result of ansible-playbook's output with the task it came from: what an unchanged
    run's failed assertion shows (the recap's tail does not say which task changed)."""
    changes, task = [], ""
    for line in output.splitlines():
        if line.startswith("TASK ["):
            task = line.rstrip("* ")
        elif re.match(r"changed: \[", line):
            changes.append("%s %s" % (task, line[:300]))
    return changes


def failure_lines(output):
    """What ansible-playbook's failures say, one per line: the `msg` of each `fatal:`/`failed:` result
    (with any argument_errors), and `ERROR!` lines. Where a refusal must name what it refused: not in an
    item label or a task name, which a run prints whether or not it refuses."""
    messages = []
    for line in output.splitlines():
        failed = re.match(r"\s*(?:fatal|failed): \[[^]]*\](?: \(item=.*?\))?(?:: FAILED!)? => (\{.*\})\s*$", line)
        if failed:
            try:
                result = json.loads(failed.group(1))
            except ValueError:
                messages.append(failed.group(1))
                continue
            messages.append(" ".join(str(part) for part in [result.get("msg", "")] + list(result.get("argument_errors") or [])))
        elif "ERROR!" in line or line.startswith("[ERROR]"):
            messages.append(line)
    return "\n".join(messages)


def alias_watch_handler(name="consul_dns_alias_watch"):
    """The dnsmasq role's alias watch handler (a script the role installs, not a module of the
    collection), imported afresh: each caller patches its own copy."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(REPO, "roles", "dnsmasq", "files", "consul-dns-alias-watch.py"))
    handler = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(handler)
    return handler


def cluster_state_digests(get):
    """SHA-256 digests of what a snapshot holds, as the HTTP API reads it back (``get(path)``: a GET
    with a management token, None for 404): the catalog's services with every instance, the ACL
    policies with their rules, the ACL tokens with their secrets and links, the KV store with its
    values, the prepared queries. Raft indexes left out: a restored cluster numbers its writes anew."""
    def digest(document):
        return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()

    services = {}
    for name in sorted(get("/v1/catalog/services") or {}):
        services[name] = sorted((entry["Node"], entry["Address"], entry["ServiceID"], entry["ServiceAddress"],
                                 entry["ServicePort"], sorted(entry["ServiceTags"] or []))
                                for entry in get("/v1/catalog/service/" + name) or [])
    policies = sorted((policy["ID"], policy["Name"], policy["Description"], policy["Rules"])
                      for policy in (get("/v1/acl/policy/" + item["ID"]) for item in get("/v1/acl/policies") or []))
    tokens = sorted((token["AccessorID"], token["SecretID"], token["Description"], token.get("Local", False),
                     sorted(link["Name"] for link in token.get("Policies") or []),
                     sorted((node["NodeName"], node["Datacenter"]) for node in token.get("NodeIdentities") or []),
                     sorted(service["ServiceName"] for service in token.get("ServiceIdentities") or []))
                    for token in (get("/v1/acl/token/" + item["AccessorID"]) for item in get("/v1/acl/tokens") or []))
    kv = sorted((entry["Key"], entry["Flags"], entry["Value"]) for entry in get("/v1/kv/?recurse") or [])
    queries = sorted((query["ID"], query["Name"], query["Service"]["Service"], query["Service"]["OnlyPassing"],
                      query["DNS"]["TTL"]) for query in get("/v1/query") or [])
    return dict(catalog=digest(services), acl_policies=digest(policies), acl_tokens=digest(tokens), kv=digest(kv),
                prepared_queries=digest(queries))
