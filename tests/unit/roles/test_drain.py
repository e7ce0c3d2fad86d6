"""The dnsmasq role's drain command: one Consul server out of the forwarder's answers and back,
through an nftables set (a fake nft here, keeping the set in a file), never a dnsmasq reload."""

import os
import shlex
import stat
import subprocess

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
# nft get|add|delete element inet discovery_consul_dns SET "{ ADDRESS }", the set kept in a file
FAKE_NFT = """#!/bin/sh
echo "nft $*" >>%(log)s
state=%(state)s; touch "$state"
line="$5 $(echo "$6" | tr -d '{} ')"
case $1 in
  get) grep -qx "$line" "$state" ;;
  add) echo "$line" >>"$state" ;;
  delete) grep -vx "$line" "$state" >"$state.new"; mv "$state.new" "$state" ;;
esac
"""


@pytest.fixture
def drain(tmp_path):
    """Runs the rendered command with fake nft, systemctl and systemd-run logging their calls."""
    servers_file = tmp_path / "servers"
    servers_file.write_text(SERVERS)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log, state = tmp_path / "calls.log", tmp_path / "drained"
    for fake in ("systemctl", "systemd-run"):
        (bin_dir / fake).write_text('#!/bin/sh\necho "%s $*" >>%s\n' % (fake, shlex.quote(str(log))))
    (bin_dir / "nft").write_text(FAKE_NFT % dict(log=shlex.quote(str(log)), state=shlex.quote(str(state))))
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

    run.drained = lambda: sorted(state.read_text().splitlines()) if state.exists() else []
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


def test_a_drain_restores_itself_unless_restored_first(drain):
    """Whatever happens to the run that drained (a failure, an interrupt), a timer restores."""
    drain("drain", "10.0.0.11", "90")
    drain("restore", "10.0.0.11")
    timer = "dnsmasq-consul-restore-10_0_0_11"
    assert [call for call in drain.calls() if not call.startswith("nft ")] == [
        "systemctl stop %s.timer" % timer,
        "systemd-run --quiet --collect --unit %s --on-active=90 /usr/local/sbin/dnsmasq-consul-drain restore 10.0.0.11" % timer,
        "systemctl stop %s.timer" % timer]
