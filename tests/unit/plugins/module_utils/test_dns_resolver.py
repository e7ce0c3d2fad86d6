"""DnsResolver against a DNS server on 127.0.0.1 (tests/unit/plugins/module_utils/dns_server.py):
the addresses and backends it reads from real DNS messages over TCP, and each failure named with
the question and the resolver."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import time

import pytest
from dns_server import DnsServer, closed_port

from ansible_collections.discovery.consul_dns.plugins.module_utils.dns_resolver import DnsError, DnsResolver


@pytest.fixture
def serve():
    servers = []

    def start(records=None, **kwargs):
        server = DnsServer(records, **kwargs)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


WEB = {
    ("web.service.consul.", "A"): ["web.service.consul. 0 IN A 10.0.0.5", "web.service.consul. 0 IN A 10.0.0.6"],
    ("web.service.consul.", "AAAA"): ["web.service.consul. 0 IN AAAA fd00::5"],
    # an alias (dnsmasq's cname=): the CNAME, then the target's addresses
    ("web.example.com.", "A"): ["web.example.com. 0 IN CNAME web.service.consul.", "web.service.consul. 0 IN A 10.0.0.5"],
    ("web.example.com.", "AAAA"): ["web.example.com. 0 IN CNAME web.service.consul."],
}


def test_addresses_are_every_a_and_aaaa_answer_asked_over_tcp(serve):
    server = serve(WEB)
    resolver = DnsResolver("127.0.0.1", server.port, 2)
    assert resolver.addresses("web.service.consul") == {"10.0.0.5", "10.0.0.6", "fd00::5"}
    assert server.questions == [("web.service.consul.", "A"), ("web.service.consul.", "AAAA")]


def test_an_aliass_addresses_are_its_targets(serve):
    server = serve(WEB)
    assert DnsResolver("127.0.0.1", server.port, 2).addresses("web.example.com") == {"10.0.0.5"}


def test_a_name_without_addresses_has_none(serve):
    server = serve(WEB)
    assert DnsResolver("127.0.0.1", server.port, 2).addresses("api.service.consul") == set()


SRV = {
    # an alias first: its CNAME leads the answer, then the service's SRV records
    ("_web._tcp.example.com.", "SRV"): ([
        "_web._tcp.example.com. 0 IN CNAME web.service.consul.",
        "web.service.consul. 0 IN SRV 1 1 8080 web1.node.dc1.consul.",
        "web.service.consul. 0 IN SRV 1 1 8081 0a000006.addr.dc2.consul.",
        "web.service.consul. 0 IN SRV 1 1 8082 web3.node.dc1.consul.",
    ], [
        "web1.node.dc1.consul. 0 IN A 10.0.0.5",
        "web1.node.dc1.consul. 0 IN AAAA fd00::5",
        "0a000006.addr.dc2.consul. 0 IN A 10.0.0.6",
        # web3's addresses were cut from the additional section
    ]),
    ("web3.node.dc1.consul.", "A"): ["web3.node.dc1.consul. 0 IN A 10.0.0.7"],
    # web3 has no IPv6 address: no AAAA record (NOERROR, empty)
    ("web3.node.dc1.consul.", "AAAA"): [],
}


def backend(node, address, port, datacenter):
    return dict(node=node, address=address, port=port, tags=[], meta={}, datacenter=datacenter)


def test_backends_come_from_srv_records_and_the_addresses_of_their_targets(serve):
    server = serve(SRV)
    backends = DnsResolver("127.0.0.1", server.port, 2).backends("_web._tcp.example.com", "consul.")
    assert sorted(backends, key=lambda b: (b["port"], b["address"])) == [
        backend("web1", "10.0.0.5", 8080, "dc1"),
        backend("web1", "fd00::5", 8080, "dc1"),
        # an instance with its own address: Consul names no node for it
        backend(None, "10.0.0.6", 8081, "dc2"),
        backend("web3", "10.0.0.7", 8082, "dc1"),
    ]
    # only the target missing from the additional section is asked for
    assert server.questions == [("_web._tcp.example.com.", "SRV"), ("web3.node.dc1.consul.", "A"),
                                ("web3.node.dc1.consul.", "AAAA")]


def test_a_service_without_instances_has_no_backends(serve):
    server = serve(SRV)
    assert DnsResolver("127.0.0.1", server.port, 2).backends("api.service.consul", "consul") == []


def test_nothing_listening_is_named_with_the_question_and_the_resolver():
    port = closed_port()
    with pytest.raises(DnsError) as err:
        DnsResolver("127.0.0.1", port, 2).addresses("web.service.consul")
    assert str(err.value).startswith("no DNS answer for web.service.consul A from 127.0.0.1:%d: " % port)
    assert "Connection refused" in str(err.value)


def test_a_silent_resolver_times_out_after_the_timeout_given(serve):
    server = serve(mode="silent", hold=3)
    started = time.monotonic()
    with pytest.raises(DnsError) as err:
        DnsResolver("127.0.0.1", server.port, 0.3).backends("web.service.consul", "consul")
    assert time.monotonic() - started < 2
    assert str(err.value).startswith("no DNS answer for web.service.consul SRV from 127.0.0.1:%d: " % server.port)
    assert "timed out" in str(err.value)


def test_a_resolver_given_no_timeout_waits_five_seconds():
    assert DnsResolver("127.0.0.1", 53, None).timeout == 5
    assert DnsResolver("127.0.0.1", 53, 0.5).timeout == 0.5


def test_a_resolver_hanging_up_without_an_answer_is_named(serve):
    """dnsmasq closes TCP connections it cannot serve (too many at once, a restart): the maintenance
    wait must see a resolver that did not answer, not end in a traceback."""
    server = serve(mode="hang-up")
    with pytest.raises(DnsError) as err:
        DnsResolver("127.0.0.1", server.port, 2).addresses("web.service.consul")
    assert str(err.value).startswith("no DNS answer for web.service.consul A from 127.0.0.1:%d: " % server.port)
