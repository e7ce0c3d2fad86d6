"""The dnsmasq role's alias filters in full (the watch each alias target gets, word for word) and
reverse_zone's refusals; the small role filters and tests as Ansible finds them by name."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.discovery.consul_dns.plugins.filter import dnsmasq, first_version
from ansible_collections.discovery.consul_dns.plugins.test import durations

HANDLER = dict(python="/usr/bin/python3", path="/usr/local/lib/alias.py", alias_dir="/var/lib/aliases",
               api_url="https://127.0.0.1:8501")


def test_one_watch_per_target_with_the_handlers_every_argument():
    aliases = [dict(name="web.example.com", service="web"), dict(name="v2.example.com", service="web", tag="v2"),
               dict(name="www.example.com", service="web", tag=""), dict(name="api.example.com", service="api", tag=None)]
    assert dnsmasq.alias_watches(aliases, "zhangeamon.com", dict(HANDLER, ca_file=None)) == [
        dict(service="web", tag="", passingonly=True, args=[
            "/usr/bin/python3", "/usr/local/lib/alias.py", "--file", "/var/lib/aliases/web.alias.zhangeamon.com.hosts",
            "--name", "web.alias.zhangeamon.com", "--service", "web", "--tag", "", "--api-url", "https://127.0.0.1:8501",
            "--ca-file", "", "--client-cert", "", "--client-key", ""]),
        dict(service="web", tag="v2", passingonly=True, args=[
            "/usr/bin/python3", "/usr/local/lib/alias.py", "--file", "/var/lib/aliases/v2.web.alias.zhangeamon.com.hosts",
            "--name", "v2.web.alias.zhangeamon.com", "--service", "web", "--tag", "v2", "--api-url", "https://127.0.0.1:8501",
            "--ca-file", "", "--client-cert", "", "--client-key", ""]),
        dict(service="api", tag="", passingonly=True, args=[
            "/usr/bin/python3", "/usr/local/lib/alias.py", "--file", "/var/lib/aliases/api.alias.zhangeamon.com.hosts",
            "--name", "api.alias.zhangeamon.com", "--service", "api", "--tag", "", "--api-url", "https://127.0.0.1:8501",
            "--ca-file", "", "--client-cert", "", "--client-key", ""]),
    ]


def test_the_tls_files_and_the_token_file_are_passed_on():
    handler = dict(HANDLER, ca_file="/tls/ca.pem", client_cert="/tls/c.pem", client_key="/tls/k.pem", token_file="/t")
    [watch] = dnsmasq.alias_watches([dict(name="w", service="web")], "d", handler)
    assert watch["args"][-8:] == ["--ca-file", "/tls/ca.pem", "--client-cert", "/tls/c.pem", "--client-key", "/tls/k.pem",
                                  "--token-file", "/t"]


@pytest.mark.parametrize("cidr,message", [
    ("not-a-network", "reverse_zone: 'not-a-network' is not a network in CIDR form"),
    ("10.1.88.0/20", "reverse_zone: 10.1.88.0/20 is not an IPv4 network ending in /8, /16 or /24"),
    ("fd00::/64", "reverse_zone: fd00::/64 is not an IPv4 network ending in /8, /16 or /24"),
    ("10.1.88.0/32", "reverse_zone: 10.1.88.0/32 is not an IPv4 network ending in /8, /16 or /24"),
])
def test_reverse_zone_refusals_in_words(cidr, message):
    with pytest.raises(AnsibleFilterError) as caught:
        dnsmasq.reverse_zone(cidr)
    assert str(caught.value) == message


def test_the_filters_and_tests_by_name():
    assert dnsmasq.FilterModule().filters() == dict(
        alias_targets=dnsmasq.alias_targets, alias_watches=dnsmasq.alias_watches, aliases_of=dnsmasq.aliases_of,
        reverse_zone=dnsmasq.reverse_zone)
    assert first_version.FilterModule().filters() == {"first_version": first_version.first_version}
    assert durations.TestModule().tests() == {"go_duration": durations.is_go_duration,
                                              "systemd_calendar": durations.is_systemd_calendar}


@pytest.mark.parametrize("alias_dir", ["/opt/dnsX", "/opt/dnsX/", "/opt/dnsX//"])
def test_the_hosts_file_is_in_the_alias_folder_however_it_ends(alias_dir):
    [watch] = dnsmasq.alias_watches([dict(name="w", service="web")], "d", dict(HANDLER, alias_dir=alias_dir))
    assert watch["args"][2:4] == ["--file", "/opt/dnsX/web.alias.d.hosts"]
