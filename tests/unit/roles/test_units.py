"""The dnsmasq role's systemd units: dnsmasq bound to its nftables table's unit. The behaviour
(a stopped or failed table stops dnsmasq) is shown on the lab (test_lab_security.py); here the
rendered units are read back and, where systemd-analyze is installed, verified by systemd."""

import os
import shutil
import subprocess

import jinja2
import pytest

from ansible_collections.discovery.consul_dns.plugins.filter.nftables_service_files import nftables_service_files

TEMPLATES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "roles", "dnsmasq", "templates")
SETTINGS = dict(ansible_managed="managed", dnsmasq_firewall=True, dnsmasq_nftables_file="/etc/nftables-discovery-consul-dns.nft")


def render(template, **settings):
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), trim_blocks=True)
    return environment.get_template(template).render(**dict(SETTINGS, **settings))


def unit(text):
    """A unit file's settings: {section: {key: [every value, in order]}}."""
    settings, section = {}, None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = settings.setdefault(line.strip("[]"), {})
        else:
            key, _equals, value = line.partition("=")
            section.setdefault(key.strip(), []).append(value.strip())
    return settings


def values(settings, section, key):
    return settings.get(section, {}).get(key, [])


@pytest.mark.parametrize("firewall, checked", [(True, "list chain inet discovery_consul_dns input"),
                                               (False, "list table inet discovery_consul_dns")])
def test_dnsmasq_is_bound_to_the_tables_unit_and_refuses_to_start_without_the_table(firewall, checked):
    drop_in = unit(render("dnsmasq-needs-table.conf.j2", dnsmasq_firewall=firewall))
    assert values(drop_in, "Unit", "BindsTo") == ["dnsmasq-consul-nftables.service"]
    assert values(drop_in, "Unit", "After") == ["dnsmasq-consul-nftables.service"]
    assert values(drop_in, "Service", "ExecStartPre") == ["/usr/sbin/nft --terse " + checked]


def test_the_table_follows_debians_nftables_service_which_flushes_the_ruleset():
    table = unit(render("dnsmasq-consul-nftables.service.j2"))
    # a restart or stop of nftables.service restarts or stops the table (and dnsmasq, bound to it)
    assert values(table, "Unit", "PartOf") == ["nftables.service"]
    assert values(table, "Unit", "After") == ["nftables.service"]
    assert values(table, "Unit", "Before") == ["dnsmasq.service network-pre.target"]
    # its reload reloads the table, after nftables.service's own
    assert values(table, "Unit", "ReloadPropagatedFrom") == ["nftables.service"]
    # its start, reload and stop load the table in the same transaction (nftables_service_files' drop-in)
    # the file is loaded whole and the table file itself is idempotent; a stop always succeeds
    assert values(table, "Service", "ExecStart") == ["/usr/sbin/nft -f /etc/nftables-discovery-consul-dns.nft"]
    assert values(table, "Service", "ExecStop") == [
        '/usr/sbin/nft "add table inet discovery_consul_dns; delete table inet discovery_consul_dns"']


@pytest.mark.skipif(not shutil.which("sh"), reason="a shell needed")
@pytest.mark.parametrize("loads, table_left, stopped", [(True, False, False), (False, True, False), (False, False, True)],
                         ids=["loaded", "failed_with_the_old_table_in_place", "failed_with_no_table"])
def test_a_failed_reload_with_no_table_left_stops_the_unit(tmp_path, loads, table_left, stopped):
    """The unit's ExecReload run with fake nft and systemctl: a reload that failed after nftables.service
    flushed the table stops the table's unit (and dnsmasq with it); with the old table in place it only fails."""
    log = tmp_path / "calls"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "nft").write_text('#!/bin/sh\necho "nft $*" >>%s\ncase "$1" in -f) exit %d ;; *) exit %d ;; esac\n'
                                 % (log, 0 if loads else 1, 0 if table_left else 1))
    (bin_dir / "systemctl").write_text('#!/bin/sh\necho "systemctl $*" >>%s\n' % log)
    for program in bin_dir.iterdir():
        program.chmod(0o755)
    command = values(unit(render("dnsmasq-consul-nftables.service.j2")), "Service", "ExecReload")[0]
    # systemd passes "$$" on as "$" (a lone "$1" would be an environment variable of its own, empty)
    assert '"$1"' not in command.replace("$$", "")
    script = command.replace("$$", "$").replace("/usr/sbin/", "").replace("/usr/bin/", "")
    assert script.startswith("/bin/sh -c '")
    argv = ["sh", "-c", script.split("'")[1]] + script.split("'")[2].split()
    proc = subprocess.run(argv, env=dict(os.environ, PATH="%s:%s" % (bin_dir, os.environ["PATH"])), check=False)
    assert proc.returncode == (0 if loads else 1)
    assert ("systemctl --no-block stop dnsmasq-consul-nftables.service" in log.read_text()) is stopped


@pytest.mark.skipif(not shutil.which("systemd-analyze") or not os.path.exists("/usr/sbin/nft"),
                    reason="systemd-analyze and nft needed")
def test_systemd_accepts_the_units(tmp_path):
    (tmp_path / "dnsmasq.service").write_text(
        "[Unit]\nDescription=dnsmasq\n[Service]\nType=forking\nExecStart=/usr/sbin/dnsmasq\n")
    (tmp_path / "nftables.service").write_text(
        "[Unit]\nDescription=nftables\nDefaultDependencies=no\n[Service]\nType=oneshot\nRemainAfterExit=yes\n"
        "ExecStart=/usr/sbin/nft -f /etc/nftables.conf\nExecReload=/usr/sbin/nft -f /etc/nftables.conf\n")
    (tmp_path / "dnsmasq-consul-nftables.service").write_text(render("dnsmasq-consul-nftables.service.j2"))
    (tmp_path / "dnsmasq.service.d").mkdir()
    (tmp_path / "dnsmasq.service.d" / "discovery-consul-dns.conf").write_text(render("dnsmasq-needs-table.conf.j2"))
    (tmp_path / "nftables.service.d").mkdir()
    drop_in = [entry for entry in nftables_service_files("/etc/nftables-discovery-consul-dns.nft", "dnsmasq")
               if entry["path"].endswith("nftables.service.d/discovery-consul-dns.conf")][0]
    (tmp_path / "nftables.service.d" / "discovery-consul-dns.conf").write_text(drop_in["content"])
    for name in ("dnsmasq.service", "dnsmasq-consul-nftables.service", "nftables.service"):
        proc = subprocess.run(["systemd-analyze", "verify", str(tmp_path / name)], capture_output=True, text=True,
                              env=dict(os.environ, SYSTEMD_UNIT_PATH="%s:" % tmp_path), check=False)
        assert proc.returncode == 0 and proc.stderr == "", (name, proc.stderr)
