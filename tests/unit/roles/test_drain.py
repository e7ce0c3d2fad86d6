"""The dnsmasq role's drain command: one Consul server out of the servers-file and back."""

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


@pytest.fixture
def drain(tmp_path):
    """Runs the rendered command on a servers-file in tmp_path, a fake systemctl logging its calls."""
    servers_file = tmp_path / "servers"
    servers_file.write_text(SERVERS)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "systemctl").write_text('#!/bin/sh\necho "$*" >>%s\n' % shlex.quote(str(tmp_path / "systemctl.log")))
    (bin_dir / "systemd-run").write_text('#!/bin/sh\necho "systemd-run $*" >>%s\n' % shlex.quote(str(tmp_path / "systemctl.log")))
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

    run.servers = servers_file
    run.calls = lambda: (tmp_path / "systemctl.log").read_text().splitlines() \
        if (tmp_path / "systemctl.log").exists() else []
    run.reloads = lambda: [call for call in run.calls() if call.startswith("try-reload")]
    return run


def test_drain_comments_out_every_line_of_that_server_only(drain):
    proc = drain("drain", "10.0.0.11")
    assert (proc.returncode, proc.stdout) == (0, "drained 10.0.0.11\n")
    assert drain.servers.read_text() == SERVERS.replace(
        "server=/zhangeamon.com/10.0.0.11", "#drained server=/zhangeamon.com/10.0.0.11").replace(
        "server=/0.10.in-addr.arpa/10.0.0.11", "#drained server=/0.10.in-addr.arpa/10.0.0.11")
    assert drain.reloads() == ["try-reload-or-restart dnsmasq"]


def test_restore_puts_it_back_and_a_repeat_changes_nothing(drain):
    outputs = [drain(*args).stdout for args in
               [("drain", "10.0.0.11"), ("restore", "10.0.0.11"), ("restore", "10.0.0.11"), ("restore", "10.0.0.99")]]
    assert outputs == ["drained 10.0.0.11\n", "restored 10.0.0.11\n", "", ""]
    assert drain.servers.read_text() == SERVERS
    assert len(drain.reloads()) == 2


def test_the_last_server_of_the_domain_is_never_drained(drain):
    drain("drain", "10.0.0.11")
    proc = drain("drain", "10.0.0.12")
    assert (proc.returncode, proc.stdout) == (0, "")
    assert "not draining 10.0.0.12: the last server of zhangeamon.com" in proc.stderr
    assert "server=/zhangeamon.com/10.0.0.12#8600\n" in drain.servers.read_text()
    assert len(drain.reloads()) == 1


def test_a_wrong_call_says_how_to_call_it_and_changes_nothing(drain):
    proc = drain("remove", "10.0.0.11")
    assert proc.returncode == 2 and "drain ADDRESS [SECONDS] | restore ADDRESS" in proc.stderr
    assert drain.servers.read_text() == SERVERS and drain.reloads() == []
    assert sorted(p.name for p in drain.servers.parent.iterdir()) == ["bin", "servers"]


def test_a_drain_restores_itself_unless_restored_first(drain):
    """Whatever happens to the run that drained (a failure, an interrupt), a timer restores."""
    drain("drain", "10.0.0.11", "90")
    drain("restore", "10.0.0.11")
    timer = "dnsmasq-consul-restore-10_0_0_11"
    assert [call for call in drain.calls() if not call.startswith("try-reload")] == [
        "stop %s.timer" % timer,
        "systemd-run --quiet --collect --unit %s --on-active=90 /usr/local/sbin/dnsmasq-consul-drain restore 10.0.0.11" % timer,
        "stop %s.timer" % timer]
