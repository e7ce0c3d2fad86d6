# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""DNS questions to one named resolver (dnspython), for the lookup and the maintenance waits."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.text.converters import to_native

try:
    import dns.exception
    import dns.message
    import dns.query
    import dns.rdatatype
except ImportError:
    HAS_DNSPYTHON = False
else:
    HAS_DNSPYTHON = True


class DnsError(Exception):
    pass


class DnsResolver:
    """SRV for ports, A/AAAA for addresses, from one named resolver."""

    def __init__(self, server, port, timeout):
        self.server, self.port, self.timeout = server, port, timeout or 5

    def _ask(self, name, rdtype):
        query = dns.message.make_query(name, rdtype)
        try:
            # TCP: over UDP Consul cuts answers to udp_answer_limit and, unless enable_truncate is
            # set, without the truncation flag, so a UDP answer can silently miss backends
            answer = dns.query.tcp(query, self.server, port=self.port, timeout=self.timeout)
        # EOFError: the resolver closed the connection without an answer (dnsmasq at its TCP limit)
        except (dns.exception.DNSException, OSError, EOFError) as exc:
            raise DnsError("no DNS answer for %s %s from %s:%s: %s" % (
                name, dns.rdatatype.to_text(rdtype), self.server, self.port, to_native(exc) or type(exc).__name__))
        return answer

    @staticmethod
    def _addresses_by_name(message):
        found = {}
        for section in (message.answer, message.additional):
            for rrset in section:
                if rrset.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
                    found.setdefault(rrset.name.to_text(), []).extend(item.address for item in rrset)
        return found

    def addresses(self, name):
        """Every address the answer for ``name`` holds, CNAME targets' included (an alias's)."""
        found = set()
        for rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
            for addresses in self._addresses_by_name(self._ask(name, rdtype)).values():
                found.update(addresses)
        return found

    def backends(self, name, domain):
        message = self._ask(name, dns.rdatatype.SRV)
        known = self._addresses_by_name(message)
        backends = []
        for rrset in message.answer:
            if rrset.rdtype != dns.rdatatype.SRV:
                continue
            for srv in rrset:
                target = srv.target.to_text()
                addresses = list(known.get(target, []))
                if not addresses:  # the additional section was cut: ask for the target itself
                    for rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
                        addresses += self._addresses_by_name(self._ask(target, rdtype)).get(target, [])
                node, datacenter = parse_srv_target(target, domain)
                for address in addresses:
                    backends.append(dict(node=node, address=address, port=srv.port, tags=[], meta={}, datacenter=datacenter))
        return backends


def parse_srv_target(target, domain):
    """(node, datacenter) from Consul's SRV targets: <node>.node.<dc>.<domain> or <hex>.addr.<dc>.<domain>."""
    labels = target.rstrip(".").split(".")
    domain_labels = domain.strip(".").split(".")
    if labels[-len(domain_labels):] == domain_labels:
        labels = labels[:-len(domain_labels)]
    if len(labels) >= 3 and labels[-2] in ("node", "addr"):
        return (".".join(labels[:-2]) if labels[-2] == "node" else None), labels[-1]
    return None, None
