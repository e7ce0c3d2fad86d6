"""The shared files that make nftables.service load the collection's tables with the host's rules."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.discovery.consul_dns.plugins.filter.nftables_service_files import nftables_service_files


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
