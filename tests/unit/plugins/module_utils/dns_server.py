"""A tiny DNS server over TCP on 127.0.0.1 (dnspython), for the tests of DnsResolver: it answers
from a table, stays silent or hangs up, and records every question (a helper module, not a test)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import socket
import threading
import time

import dns.message
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset


class DnsServer(object):
    """``records`` maps (name, type) to the answer's records and, optionally, its additional ones,
    each a zone-file line (``web.service.consul. 0 IN A 10.0.0.5``); any other question gets
    NXDOMAIN. ``mode``: ``answer``, ``silent`` (reads the question, answers nothing, hangs up after
    ``hold`` seconds) or ``hang-up`` (reads the question and closes the connection)."""

    def __init__(self, records=None, mode="answer", hold=2.0):
        self.records, self.mode, self.hold = records or {}, mode, hold
        self.questions = []
        self.stopped = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self.stopped.set()
        self.sock.close()

    def _accept(self):
        while not self.stopped.is_set():
            try:
                conn, peer = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            while True:
                try:
                    query = dns.query.receive_tcp(conn, time.time() + 5)[0]
                except (EOFError, OSError, dns.exception.DNSException):
                    return
                question = query.question[0]
                self.questions.append((question.name.to_text(), dns.rdatatype.to_text(question.rdtype)))
                if self.mode == "silent":
                    self.stopped.wait(self.hold)
                    return
                if self.mode == "hang-up":
                    return
                dns.query.send_tcp(conn, self.response(query))
        finally:
            conn.close()

    def response(self, query):
        question = query.question[0]
        response = dns.message.make_response(query)
        key = (question.name.to_text().lower(), dns.rdatatype.to_text(question.rdtype))
        if key not in self.records:
            response.set_rcode(dns.rcode.NXDOMAIN)
            return response
        entry = self.records[key]
        answer, additional = (entry, []) if isinstance(entry, list) else entry
        for section, lines in ((response.answer, answer), (response.additional, additional)):
            for line in lines:
                name, ttl, rdclass, rdtype, rdata = line.split(None, 4)
                rrset = dns.rrset.from_text(name, int(ttl), rdclass, rdtype, rdata)
                for existing in section:
                    if existing.name == rrset.name and existing.rdtype == rrset.rdtype:
                        existing.union_update(rrset)
                        break
                else:
                    section.append(rrset)
        return response


def closed_port():
    """A TCP port on 127.0.0.1 nothing listens on."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port
