"""The dnsmasq role's drain command: one Consul server out of the forwarder's answers and back,
through an nftables set (a fake nft here, keeping the set in a file), never a dnsmasq reload."""

import json
import os
import shlex
import stat
import subprocess
import sys
import time

import jinja2
import pytest

TEMPLATE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "roles", "dnsmasq", "templates",
                        "dnsmasq-consul-drain.j2")
SERVERS = """\
server=/zhangeamon.com/10.0.0.11#8600
server=/zhangeamon.com/10.0.0.12#8600
server=/0.10.in-addr.arpa/10.0.0.11#8600
server=/0.10.in-addr.arpa/10.0.0.12#8600
server=10.0.0.11
"""
# nft get|add|delete element inet discovery_consul_dns SET "{ ADDRESS [timeout Ns] }", one command or
# several from a file (-f, one transaction: all or none). The sets are kept in a JSON file with each
# element's end, and an element whose timeout ran out is gone, as in the kernel.
FAKE_NFT = """#!%(python)s
import json, os, re, sys, time
with open(%(log)r, "a") as log:
    log.write("nft " + " ".join(sys.argv[1:]) + "\\n")
state = %(state)r
sets = json.load(open(state)) if os.path.exists(state) else {}
now = time.time()
sets = dict((key, end) for key, end in sets.items() if end is None or end > now)
commands = sys.stdin.read().splitlines() if sys.argv[1:3] == ["-f", "/dev/stdin"] else [" ".join(sys.argv[1:])]
for command in commands:
    match = re.match(r"^(get|add|delete) element inet discovery_consul_dns (\\S+) \\{ (\\S+)(?: timeout (\\d+)s)? \\}$", command)
    if not match:
        sys.exit("fake nft: unexpected command %%r" %% command)
    verb, name, address, timeout = match.groups()
    key = name + " " + address
    if verb in ("get", "delete") and key not in sets:
        sys.exit(1)
    if verb == "add" and key not in sets:
        sets[key] = now + int(timeout) if timeout else None
    if verb == "delete":
        del sets[key]
json.dump(sets, open(state, "w"))
"""


@pytest.fixture
def drain(tmp_path):
    """Runs the rendered command with fake nft, systemctl and systemd-run logging their calls."""
    servers_file = tmp_path / "servers"
    servers_file.write_text(SERVERS)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log, state = tmp_path / "calls.log", tmp_path / "drained"
    for fake in ("systemctl", "systemd-run"):   # systemd-run: a drain must need none
        (bin_dir / fake).write_text('#!/bin/sh\necho "%s $*" >>%s\n' % (fake, shlex.quote(str(log))))
    (bin_dir / "nft").write_text(FAKE_NFT % dict(python=sys.executable, log=str(log), state=str(state)))
    environment = jinja2.Environment(trim_blocks=True)
    environment.filters.update(quote=shlex.quote, basename=os.path.basename)
    with open(TEMPLATE) as template:
        (bin_dir / "drain").write_text(environment.from_string(template.read()).render(
            ansible_managed="managed", dnsmasq_consul_domain="zhangeamon.com", dnsmasq_servers_file=str(servers_file),
            dnsmasq_drain_command="/usr/local/sbin/dnsmasq-consul-drain"))
    for program in bin_dir.iterdir():
        program.chmod(program.stat().st_mode | stat.S_IXUSR)

    def run(*args):
        return subprocess.run([str(bin_dir / "drain")] + list(args), capture_output=True, text=True, check=False,
                              env=dict(os.environ, PATH="%s:%s" % (bin_dir, os.environ["PATH"])))

    def drained():
        sets = json.loads(state.read_text()) if state.exists() else {}
        return sorted(key for key, end in sets.items() if end is None or end > time.time())

    run.drained = drained
    run.ends = lambda: json.loads(state.read_text()) if state.exists() else {}
    run.calls = lambda: log.read_text().splitlines() if log.exists() else []
    return run


def test_drain_puts_the_address_in_the_drained_set_without_touching_dnsmasq(drain):
    proc = drain("drain", "10.0.0.11")
    assert (proc.returncode, proc.stdout) == (0, "drained 10.0.0.11\n")
    assert drain.drained() == ["drained_ipv4 10.0.0.11"]
    assert [call for call in drain.calls() if "dnsmasq" in call and "restore" not in call] == []
    assert drain("drain", "fd00::11").stdout == "drained fd00::11\n"
    assert drain.drained() == ["drained_ipv4 10.0.0.11", "drained_ipv6 fd00::11"]


def test_restore_takes_it_out_and_a_repeat_changes_nothing(drain):
    outputs = [drain(*args).stdout for args in
               [("drain", "10.0.0.11"), ("restore", "10.0.0.11"), ("restore", "10.0.0.11"), ("restore", "10.0.0.99")]]
    assert outputs == ["drained 10.0.0.11\n", "restored 10.0.0.11\n", "", ""]
    assert drain.drained() == []


def test_the_last_server_of_the_domain_is_never_drained(drain):
    drain("drain", "10.0.0.11")
    proc = drain("drain", "10.0.0.12")
    assert (proc.returncode, proc.stdout) == (0, "")
    assert "not draining 10.0.0.12: the last server of zhangeamon.com" in proc.stderr
    assert drain.drained() == ["drained_ipv4 10.0.0.11"]


def test_a_wrong_call_says_how_to_call_it_and_changes_nothing(drain):
    proc = drain("remove", "10.0.0.11")
    assert proc.returncode == 2 and "drain ADDRESS [SECONDS] | restore ADDRESS" in proc.stderr
    assert drain.drained() == [] and drain.calls() == []


def test_a_drain_ends_by_itself_with_nothing_set_up_before_or_after(drain):
    """Whatever happens to the run that drained (a failure, an interrupt), the address leaves the set
    when its timeout runs out: it enters the set with that timeout, in the one command that adds it,
    and no timer or other process has to exist for it (no systemd-run at all)."""
    proc = drain("drain", "10.0.0.11", "1")
    assert (proc.returncode, proc.stdout) == (0, "drained 10.0.0.11\n")
    adds = [call for call in drain.calls() if call.startswith("nft add")]
    assert adds == ["nft add element inet discovery_consul_dns drained_ipv4 { 10.0.0.11 timeout 1s }"]
    assert [call for call in drain.calls() if call.startswith("systemd-run")] == []
    assert drain.drained() == ["drained_ipv4 10.0.0.11"]
    time.sleep(1.2)
    assert drain.drained() == []
    # an expired drain does not count as drained: the other server may be drained now
    assert drain("drain", "10.0.0.12", "60").stdout == "drained 10.0.0.12\n"


def test_the_default_timeout_is_600_seconds(drain):
    drain("drain", "fd00::11")
    assert "nft add element inet discovery_consul_dns drained_ipv6 { fd00::11 timeout 600s }" in drain.calls()


def test_draining_again_starts_the_timeout_again_without_ever_leaving_the_set(drain):
    drain("drain", "10.0.0.11", "60")
    first_end = drain.ends()["drained_ipv4 10.0.0.11"]
    proc = drain("drain", "10.0.0.11", "300")
    assert (proc.returncode, proc.stdout) == (0, "")
    assert drain.ends()["drained_ipv4 10.0.0.11"] > first_end + 200
    # one transaction: the delete and the add in one nft -f
    assert drain.calls()[-1] == "nft -f /dev/stdin"


@pytest.mark.parametrize("args", [("drain", "10.0.0.11", "0"), ("drain", "10.0.0.11", "-5"), ("drain", "10.0.0.11", "5m"),
                                  ("drain", "10.0.0.11", ""), ("drain", "10.0.0.11 } ; flush ruleset ; {", "60"),
                                  ("drain", "", "60"), ("restore", "10.0.0.11;reboot"), ("drain", "web.example", "60")])
def test_what_is_not_an_address_or_whole_seconds_is_refused_before_nft_runs(drain, args):
    proc = drain(*args)
    assert proc.returncode == 2 and "drain ADDRESS [SECONDS] | restore ADDRESS" in proc.stderr
    assert drain.drained() == [] and [call for call in drain.calls() if call.startswith("nft")] == []
