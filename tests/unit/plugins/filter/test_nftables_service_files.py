"""The shared files that make nftables.service load the collection's tables with the host's rules."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.discovery.consul_dns.plugins.filter.nftables_service_files import FilterModule, nftables_service_files


def by_path(entries):
    return dict((entry["path"], entry) for entry in entries)


def test_each_role_adds_its_include_and_the_shared_files_are_the_same_whoever_writes_them():
    dnsmasq = by_path(nftables_service_files("/etc/nftables-discovery-consul-dns.nft", "dnsmasq"))
    consul = by_path(nftables_service_files("/etc/discovery-consul-dns-server.nft", "consul"))
    assert dnsmasq["/etc/discovery-consul-dns/nftables.d/dnsmasq.nft"]["content"].endswith(
        'include "/etc/nftables-discovery-consul-dns.nft"\n')
    shared = set(dnsmasq) & set(consul)
    assert shared == set(dnsmasq) - {"/etc/discovery-consul-dns/nftables.d/dnsmasq.nft"}
    assert all(dnsmasq[path] == consul[path] for path in shared)
    start = dnsmasq["/etc/discovery-consul-dns/nftables-start.nft"]["content"].splitlines()[1:]
    assert start == ['include "/etc/nftables.conf"', 'include "/etc/discovery-consul-dns/nftables.d/*.nft"']
    drop_in = dnsmasq["/etc/systemd/system/nftables.service.d/discovery-consul-dns.conf"]["content"]
    for directive in ("ExecStart", "ExecReload", "ExecStop"):
        assert "\n%s=\n%s=/usr/sbin/nft -f /etc/discovery-consul-dns/" % (directive, directive) in drop_in


@pytest.mark.parametrize("table_file,name", [
    ('/etc/x.nft"\nflush ruleset\ninclude "/etc/y', "dnsmasq"), ("etc/x.nft", "dnsmasq"), ("/etc/x.nft\n", "dnsmasq"),
    ("/etc/x.nft", "../x"), ("/etc/x.nft", "dnsmasq\n"), ("/etc/x.nft", "a b"),
])
def test_what_would_add_a_line_is_refused(table_file, name):
    with pytest.raises(AnsibleFilterError):
        nftables_service_files(table_file, name)


def test_every_file_written_in_full():
    managed = "# Ansible managed (discovery.consul_dns)\n"
    every_table = 'include "/etc/discovery-consul-dns/nftables.d/*.nft"\n'
    assert nftables_service_files("/etc/nftables-discovery-consul-dns.nft", "dnsmasq") == [
        dict(path="/etc/discovery-consul-dns", state="directory", mode="0755"),
        dict(path="/etc/discovery-consul-dns/nftables.d", state="directory", mode="0755"),
        dict(path="/etc/discovery-consul-dns/nftables.d/dnsmasq.nft", mode="0644",
             content=managed + 'include "/etc/nftables-discovery-consul-dns.nft"\n'),
        dict(path="/etc/discovery-consul-dns/nftables-start.nft", mode="0644",
             content=managed + 'include "/etc/nftables.conf"\n' + every_table),
        dict(path="/etc/discovery-consul-dns/nftables-stop.nft", mode="0644",
             content=managed + "flush ruleset\n" + every_table),
        dict(path="/etc/systemd/system/nftables.service.d", state="directory", mode="0755"),
        dict(path="/etc/systemd/system/nftables.service.d/discovery-consul-dns.conf", mode="0644", content=managed + (
            "# /etc/nftables.conf flushes the whole ruleset: the collection's tables are loaded in the same\n"
            "# transaction on start, reload and stop, so there is no moment without them.\n"
            "[Service]\n"
            "ExecStart=\n"
            "ExecStart=/usr/sbin/nft -f /etc/discovery-consul-dns/nftables-start.nft\n"
            "ExecReload=\n"
            "ExecReload=/usr/sbin/nft -f /etc/discovery-consul-dns/nftables-start.nft\n"
            "ExecStop=\n"
            "ExecStop=/usr/sbin/nft -f /etc/discovery-consul-dns/nftables-stop.nft\n")),
    ]


@pytest.mark.parametrize("table_file,name,message", [
    ("etc/x.nft", "dnsmasq", "nftables_service_files: 'etc/x.nft' is not a plain absolute path"),
    ("/etc/x.nft", "a b", "nftables_service_files: name 'a b' is not a DNS label"),
])
def test_a_refusal_names_the_argument(table_file, name, message):
    with pytest.raises(AnsibleFilterError) as caught:
        nftables_service_files(table_file, name)
    assert str(caught.value) == message


def test_filter_is_registered_under_its_name():
    assert FilterModule().filters() == {"nftables_service_files": nftables_service_files}
