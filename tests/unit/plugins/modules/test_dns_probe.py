"""dns_probe: which DNS servers answer this host (the resolver role asks before it switches)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import socket
import struct
import threading

import pytest

from ansible_collections.discovery.consul_dns.plugins.modules.dns_probe import probe, query, reply_code


class FakeServer:
    """A UDP DNS server on loopback answering every question with `rcode` (None: silent; 'wrong-id':
    a reply to another question)."""

    def __init__(self, rcode):
        self.rcode, self.questions = rcode, []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                data, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            self.questions.append(data)
            if self.rcode is None:
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
