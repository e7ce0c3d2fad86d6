"""dns_probe: which DNS servers answer this host (the resolver role asks before it switches)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import socket
import struct
import threading
import time

import pytest
from module_run import run_module

from ansible_collections.discovery.consul_dns.plugins.modules import dns_probe
from ansible_collections.discovery.consul_dns.plugins.modules.dns_probe import probe, query, reply_code


class FakeServer:
    """A UDP DNS server on loopback answering every question with `rcode` (None: silent; 'wrong-id':
    a reply to another question), from its `first_answered`th question on; it notes when each came."""

    def __init__(self, rcode, address="127.0.0.1", port=0, first_answered=1):
        self.rcode, self.questions, self.times = rcode, [], []
        self.first_answered = first_answered
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.bind((address, port))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                data, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            self.questions.append(data)
            self.times.append(time.monotonic())
            if self.rcode is None or len(self.questions) < self.first_answered:
                continue
            query_id = struct.unpack("!H", data[:2])[0]
            if self.rcode == "wrong-id":
                query_id ^= 1
                rcode = 0
            else:
                rcode = self.rcode
            self.sock.sendto(struct.pack("!HHHHHH", query_id, 0x8180 | rcode, 1, 0, 0, 0) + data[12:], peer)


def closed_port():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_the_question_is_an_a_query_with_recursion_desired():
    message = query("consul.service.zhangeamon.com.", 0x1234)
    assert message[:12] == struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
    assert message[12:] == b"\x06consul\x07service\x0azhangeamon\x03com\x00" + struct.pack("!HH", 1, 1)


@pytest.mark.parametrize("rcode, verdict", [(0, "NOERROR"), (3, "NXDOMAIN"), (5, "REFUSED"), (2, "SERVFAIL")])
def test_each_servers_reply_code_is_reported(rcode, verdict):
    server = FakeServer(rcode)
    assert probe(["127.0.0.1"], "consul.service.zhangeamon.com", port=server.port, timeout=2) == {"127.0.0.1": verdict}


def test_a_silent_server_times_out_after_being_asked_twice():
    server = FakeServer(None)
    assert probe(["127.0.0.1"], "x.example", port=server.port, timeout=0.4) == {"127.0.0.1": "timed out after 0.4s"}
    assert len(server.questions) == 2


def test_a_reply_to_another_question_is_no_answer():
    server = FakeServer("wrong-id")
    assert probe(["127.0.0.1"], "x.example", port=server.port, timeout=0.4) == {"127.0.0.1": "timed out after 0.4s"}


def test_nothing_listening_is_refused_at_once():
    port = closed_port()
    result = probe(["127.0.0.1"], "x.example", port=port, timeout=5)
    assert result == {"127.0.0.1": "refused (ICMP port unreachable)"}


def test_reply_code_ignores_questions_and_short_data():
    assert reply_code(query("x.example", 7), 7) is None
    assert reply_code(b"\x00\x07", 7) is None


@pytest.mark.parametrize("name", ["", ".", "a" * 64 + ".example", "caf\u00e9.example"])
def test_what_is_no_dns_name_is_refused(name):
    with pytest.raises(ValueError):
        query(name, 1)


def test_a_reply_code_without_a_name_is_reported_by_number():
    server = FakeServer(9)   # NOTAUTH
    assert probe(["127.0.0.1"], "x.example", port=server.port, timeout=2) == {"127.0.0.1": "RCODE 9"}


def test_an_ipv6_server_is_asked_over_ipv6():
    server = FakeServer(0, address="::1")
    assert probe(["::1"], "x.example", port=server.port, timeout=2) == {"::1": "NOERROR"}


def test_the_question_is_asked_again_halfway_and_its_answer_counts():
    """The first datagram lost (the server answers only the second): asked again at half the timeout,
    the answer to that counts."""
    server = FakeServer(0, first_answered=2)
    started = time.monotonic()
    assert probe(["127.0.0.1"], "x.example", port=server.port, timeout=1.0) == {"127.0.0.1": "NOERROR"}
    assert len(server.questions) == 2
    assert 0.42 < server.times[1] - server.times[0] < 0.8
    assert time.monotonic() - started < 0.9


def test_a_silent_server_is_waited_for_to_the_timeout():
    server = FakeServer(None)
    started = time.monotonic()
    assert probe(["127.0.0.1"], "x.example", port=server.port, timeout=0.6) == {"127.0.0.1": "timed out after 0.6s"}
    assert time.monotonic() - started >= 0.58


def test_what_is_no_ip_address_is_a_verdict_and_the_others_are_still_asked():
    server = FakeServer(0)
    assert probe(["dns1", "127.0.0.1"], "x.example", port=server.port, timeout=2) == {
        "dns1": "error: 'dns1' does not appear to be an IPv4 or IPv6 address", "127.0.0.1": "NOERROR"}


def test_a_question_that_cannot_be_sent_is_a_verdict_at_once():
    # a name too long for any datagram (65 535 octets at most): the kernel refuses to send it
    server = FakeServer(0)
    started = time.monotonic()
    result = probe(["127.0.0.1"], ".".join(["a" * 63] * 1100), port=server.port, timeout=5)
    assert result == {"127.0.0.1": "error: [Errno 90] Message too long"}
    assert time.monotonic() - started < 1 and server.questions == []


def test_labels_of_63_octets_are_asked_as_given():
    label = "b" * 63
    assert query("%s.WWW.EXAMPLE.BOX" % label, 1)[12:] == (
        b"\x3f" + label.encode() + b"\x03WWW\x07EXAMPLE\x03BOX\x00\x00\x01\x00\x01")


def test_a_header_alone_is_a_reply_and_a_question_is_none_whatever_its_code():
    assert reply_code(struct.pack("!HHHHHH", 7, 0x8183, 0, 0, 0, 0), 7) == "NXDOMAIN"
    assert reply_code(struct.pack("!HHHHHH", 7, 0x0101, 1, 0, 0, 0), 7) is None


def run_main(monkeypatch, **args):
    return run_module(monkeypatch, dns_probe, None, **args)


def test_the_module_reports_who_answered_in_the_order_given(monkeypatch):
    answering = FakeServer(3)
    FakeServer(0, address="127.0.0.2", port=answering.port)
    result = run_main(monkeypatch, servers=["127.0.0.2", "127.0.0.1"], name="x.example", port=answering.port,
                      timeout=2, _ansible_check_mode=True)
    assert result == {"changed": False, "answered": ["127.0.0.2", "127.0.0.1"],
                      "verdicts": {"127.0.0.1": "NXDOMAIN", "127.0.0.2": "NOERROR"}}


def test_the_module_fails_naming_every_server_when_too_few_answer(monkeypatch):
    answering = FakeServer(0)
    FakeServer(5, address="127.0.0.3", port=answering.port)
    result = run_main(monkeypatch, servers=["127.0.0.1", "127.0.0.2", "127.0.0.3"], name="x.example",
                      port=answering.port, timeout=2, min_answering=2)
    assert result["failed"] is True and result["answered"] == ["127.0.0.1"]
    assert result["msg"] == ("1 of 3 DNS servers answered x.example from this host (2 needed): "
                             "127.0.0.1:{0} NOERROR, 127.0.0.2:{0} refused (ICMP port unreachable), "
                             "127.0.0.3:{0} REFUSED".format(answering.port))
    assert result["verdicts"]["127.0.0.3"] == "REFUSED"


def test_the_module_asks_port_53_by_default(monkeypatch):
    result = run_main(monkeypatch, servers=["127.0.0.1"], name="x.example", timeout=0.2, min_answering=2)
    assert result["failed"] is True and "from this host (2 needed): 127.0.0.1:53 " in result["msg"]


def test_the_module_refuses_what_is_no_dns_name(monkeypatch):
    result = run_main(monkeypatch, servers=["127.0.0.1"], name="a" * 64 + ".example", port=closed_port())
    assert result["failed"] is True and result["msg"] == "not a DNS name: '%s.example'" % ("a" * 64)


def test_by_default_one_answering_server_is_enough(monkeypatch):
    server = FakeServer(0)
    result = run_main(monkeypatch, servers=["127.0.0.1"], name="x.example", port=server.port)
    assert "failed" not in result and result["answered"] == ["127.0.0.1"]


def test_the_module_waits_as_long_as_it_is_told(monkeypatch):
    server = FakeServer(None)
    started = time.monotonic()
    result = run_main(monkeypatch, servers=["127.0.0.1"], name="x.example", port=server.port, timeout=0.3)
    assert result["failed"] is True and result["verdicts"] == {"127.0.0.1": "timed out after 0.3s"}
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("args, missing", [(dict(name="x.example"), "servers"), (dict(servers=["127.0.0.1"]), "name")])
def test_the_servers_and_the_name_are_required(monkeypatch, args, missing):
    result = run_main(monkeypatch, **args)
    assert result["failed"] is True and result["msg"] == "missing required arguments: %s" % missing
