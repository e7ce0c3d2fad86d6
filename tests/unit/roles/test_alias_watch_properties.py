"""The alias watch handler on hostile Consul answers: every line of the hosts file it writes for
dnsmasq is one strict IP address in canonical form and the alias name, nothing else; exactly the
instances with such an address are published, every other one dropped and logged on one line."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import io
import ipaddress
import json
import os
import string
import tempfile

import pytest
from hypothesis import example, given, settings, strategies as st
from harness import alias_watch_handler

watch = alias_watch_handler("alias_watch_hostile")

# no example database: these runs must leave nothing in the checkout
FAST = settings(max_examples=200, deadline=None, database=None)
NAME = "web.alias.consul"
ZONE_PAYLOAD = "fe80::1%x\n6.6.6.6 www.bank.example"


def strict_address(text):
    """The canonical address, read as strictly as dnsmasq's hosts file reader should see it: ASCII
    hex digits, dots and colons only, IPv4 octets without leading zeros; None otherwise. Written
    from the rules, not from the handler's pattern."""
    if not text or any(c not in string.hexdigits + ":." for c in text):
        return None
    tail = text.rsplit(":", 1)[-1]
    if "." in tail:
        octets = tail.split(".")
        if len(octets) != 4 or not all(o.isdigit() and (o == "0" or o[0] != "0") and int(o) <= 255 for o in octets):
            return None
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def parse_hosts_file(content):
    """(address, names) per line, each line checked: one address, one space, the names."""
    lines = content.split("\n")
    assert lines[-1] == "", "the file ends with a line break: %r" % content
    parsed = []
    for line in lines[:-1]:
        assert all(32 < ord(c) < 127 or c == " " for c in line), "only printable ASCII: %r" % line
        words = line.split(" ")
        assert strict_address(words[0]) == words[0], "not a canonical address: %r" % line
        assert "#" not in line and words[1:] == [NAME], "more than the alias after the address: %r" % line
        parsed.append(words[0])
    return parsed


# Consul's answers, with hostile values where Consul keeps what a registration gave it -----------

VALID = st.one_of(st.ip_addresses().map(str), st.ip_addresses(v=6).map(lambda a: a.exploded.upper()),
                  st.ip_addresses(v=4).map(lambda a: "::ffff:%s" % a))
JUNK = st.sampled_from(["\n", "\r", " ", "\t", "\x00", "#", "# comment", "%", "%eth0", "%x\n6.6.6.6 www.bank.example",
                        "\n6.6.6.6 www.bank.example", u"\u0661", u"\uff11", u"\u2028", u"\u00a0", "0", ".1", ":"])
HOSTILE = st.one_of(
    st.tuples(VALID, JUNK, st.integers(0, 50)).map(lambda t: t[0][:t[2]] + t[1] + t[0][t[2]:]),
    st.ip_addresses(v=6).map(lambda a: "%s%%%s" % (a, "x\n6.6.6.6 www.bank.example")),   # zone IDs
    st.ip_addresses(v=4).map(lambda a: ".".join("0" + octet for octet in str(a).split("."))),   # leading zeros
    st.text(max_size=30), st.text("0123456789abcdef:.%# \n", max_size=50),
    st.lists(st.text(string.ascii_lowercase, min_size=1, max_size=70), min_size=1, max_size=3).map(".".join),
    st.sampled_from([ZONE_PAYLOAD, "web.example", "a" * 64 + ".example", "localhost", u"\u0661\u0660.0.0.1"]),
)
ADDRESS = st.one_of(VALID, HOSTILE, st.none(), st.integers(), st.booleans(), st.lists(VALID, max_size=1),
                    st.dictionaries(st.text(max_size=3), VALID, max_size=1))
NAMES = st.one_of(st.text(max_size=20), st.just("web\n6.6.6.6 x"))
ENTRIES = st.lists(st.fixed_dictionaries({
    "Node": st.fixed_dictionaries({"Node": NAMES, "Address": ADDRESS}),
    "Service": st.fixed_dictionaries({"ID": NAMES, "Service": NAMES, "Address": st.one_of(st.just(""), ADDRESS)}),
}), max_size=5)


def expected_addresses(entries):
    chosen = [entry["Service"]["Address"] or entry["Node"]["Address"] for entry in entries]
    return sorted(set(strict_address(a) for a in chosen if isinstance(a, str) and strict_address(a)))


def dropped(entries):
    chosen = [entry["Service"]["Address"] or entry["Node"]["Address"] for entry in entries]
    return [a for a in chosen if a and not (isinstance(a, str) and strict_address(a))]


@settings(FAST, max_examples=100)   # each example runs main() on real files
@given(ENTRIES, st.one_of(st.none(), ENTRIES), st.one_of(st.none(), st.lists(VALID, max_size=3)))
@example([{"Node": {"Node": "n1", "Address": "10.0.0.1"}, "Service": {"ID": "w", "Service": "web",
                                                                      "Address": ZONE_PAYLOAD}}], None, None)
def test_every_line_written_is_one_canonical_address_and_the_alias(offered, confirmed, published):
    """offered: the watch's stdin; confirmed: what the leader-confirmed read returns (None: it failed);
    published: what an earlier run wrote."""
    logged, asked = [], []

    def consistent_addresses(*args, **kwargs):
        asked.append(True)
        return None if confirmed is None else watch.addresses_of(confirmed)

    earlier = None if published is None else sorted(set(str(ipaddress.ip_address(a)) for a in published))
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as patch:
        patch.setattr(watch, "log", logged.append)
        patch.setattr(watch, "consistent_addresses", consistent_addresses)
        path = os.path.join(folder, NAME + ".hosts")
        if earlier is not None:
            watch.publish(path, NAME, earlier)
        before = open(path).read() if earlier is not None else None
        assert watch.main(["--file", path, "--name", NAME, "--service", "web"], io.StringIO(json.dumps(offered))) == 0
        content = open(path).read() if os.path.exists(path) else None
        read_back = watch.read_published(path, NAME)

    # which answer is published is decide()'s to say (tests/unit/roles/test_alias_watch.py); here:
    # that each answer was read strictly, and written so that dnsmasq reads back exactly that
    chosen = watch.decide(expected_addresses(offered), earlier,
                          lambda: None if confirmed is None else expected_addresses(confirmed))
    if chosen is None:
        assert content == before
    else:
        assert parse_hosts_file(content) == chosen == read_back
    for message in logged:
        assert not any(c in message for c in "\n\r\x00" + u"\u2028"), "one line: %r" % message
    assert len(logged) >= len(dropped(offered))


@FAST
@given(ENTRIES)
@example([{"Node": {"Node": "n1", "Address": "10.0.0.1"}, "Service": {"ID": "w", "Service": "web",
                                                                      "Address": ZONE_PAYLOAD}}])
def test_exactly_the_strict_addresses_are_kept_and_each_other_instance_is_logged_on_one_line(entries):
    logged = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(watch, "log", logged.append)
        kept = watch.addresses_of(entries)
    assert kept == expected_addresses(entries)
    assert len(logged) == len(dropped(entries))
    for message in logged:
        assert not any(c in message for c in "\n\r\x00\x0b\x0c" + u"\u2028\u2029\x85"), "one line: %r" % message


@FAST
@given(st.lists(VALID, max_size=6))
def test_what_is_written_reads_back_as_published(addresses):
    canonical = sorted(set(str(ipaddress.ip_address(a)) for a in addresses))
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, NAME + ".hosts")
        watch.publish(path, NAME, canonical)
        assert parse_hosts_file(open(path).read()) == canonical
        assert watch.read_published(path, NAME) == canonical
