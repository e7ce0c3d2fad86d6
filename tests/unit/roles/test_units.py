"""The dnsmasq role's systemd units: dnsmasq bound to its nftables table's unit. The behaviour
(a stopped or failed table stops dnsmasq) is shown on the lab (test_lab_security.py); here the
rendered units are read back and, where systemd-analyze is installed, verified by systemd."""

import os
import shutil
import subprocess

import jinja2
import pytest

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
            key, _, value = line.partition("=")
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
    for name in ("dnsmasq.service", "dnsmasq-consul-nftables.service"):
        proc = subprocess.run(["systemd-analyze", "verify", str(tmp_path / name)], capture_output=True, text=True,
                              env=dict(os.environ, SYSTEMD_UNIT_PATH="%s:" % tmp_path), check=False)
        assert proc.returncode == 0 and proc.stderr == "", (name, proc.stderr)
