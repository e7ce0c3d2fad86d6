"""The roles' filters on generated and hostile input, each against a model of its rule: forwarding
loops in any spelling, reverse zones, the search list of a resolv.conf, versions in a program's
output, how long checks hold, the consul role's dns_config and ports, HTTP API paths and the
inventory's group names. Each gives the model's answer or fails with an Ansible error naming the value."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import ipaddress
import re
import string

from ansible.errors import AnsibleFilterError
from hypothesis import example, given, settings, strategies as st

from ansible_collections.discovery.consul_dns.plugins.filter.checks import check_hold_seconds
from ansible_collections.discovery.consul_dns.plugins.filter.dnsmasq import reverse_zone
from ansible_collections.discovery.consul_dns.plugins.filter.first_version import first_version
from ansible_collections.discovery.consul_dns.plugins.filter.resolv_conf import search_domains
from ansible_collections.discovery.consul_dns.plugins.inventory.consul import group_name
from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_settings import (
    DNS_CONFIG_KEYS,
    PORT_KEYS,
    dns_config_problems,
    is_http_api_path,
    ports_problems,
)
from ansible_collections.discovery.consul_dns.plugins.module_utils.dns_names import forwarding_loops, is_dns_name
from ansible_collections.discovery.consul_dns.plugins.module_utils.durations import parse_duration
from ansible_collections.discovery.consul_dns.plugins.test.durations import is_go_duration

# no example database: these runs must leave nothing in the checkout
FAST = settings(max_examples=200, deadline=None, database=None)

JUNK = st.sampled_from(["\n", "\r", "\t", " ", "\x00", "\x0b", "\x0c", "\x1c", u"\u0085", u"\u2028", u"\u00a0", "#",
                        ";", u"\u0661", u"\uff11", "%", "/", ".", "..", "-", "_", "{{ x }}"])


def injected(base):
    return st.tuples(base, JUNK, st.integers(min_value=0, max_value=200)).map(
        lambda t: t[0][:t[2] % (len(t[0]) + 1)] + t[1] + t[0][t[2] % (len(t[0]) + 1):])


# forwarding loops: any spelling of an address is that address -----------------------------------

def spellings(address):
    forms = [str(address), str(address).upper(), address.exploded]
    if address.version == 4:
        forms += ["::ffff:%s" % address, "::FFFF:%s" % address, "0:0:0:0:0:ffff:%s" % address]
    return st.sampled_from(forms)


SPECIAL = st.sampled_from([ipaddress.ip_address(a) for a in (
    "127.0.0.1", "127.255.0.9", "0.0.0.0", "::1", "::", "10.89.50.31", "fd00::31")])
ADDRESS = st.one_of(st.ip_addresses(), SPECIAL)


def plain(address):
    return address.ipv4_mapped or address if address.version == 6 else address


@FAST
@given(ADDRESS.flatmap(lambda a: st.tuples(st.just(a), spellings(a))),
       st.one_of(st.none(), st.integers(1, 65535)),
       st.lists(ADDRESS.flatmap(lambda a: st.tuples(st.just(a), spellings(a), st.sampled_from(["", "%eth0"]))), max_size=3))
@example((ipaddress.ip_address("127.0.0.1"), "::ffff:127.0.0.1"), None, [])
def test_an_upstream_is_refused_exactly_when_it_is_loopback_unspecified_or_known_in_any_spelling(upstream, port, known):
    address, text = upstream
    value = text if port is None else "%s#%d" % (text, port)
    # facts spell link-local addresses with their interface, and any address in any form
    known_map = dict(("%s%s" % (spelled, zone) if ":" in spelled else spelled, "forwarder x")
                     for _a, spelled, zone in known)
    looping = (plain(address).is_loopback or plain(address).is_unspecified
               or plain(address) in set(plain(a) for a, _s, _z in known))
    refused = forwarding_loops([value], known_map)
    assert (refused != []) == looping, (value, known_map, refused)
    assert all(line.startswith(value + " (") for line in refused)


@FAST
@given(st.lists(st.one_of(st.text(max_size=20), injected(st.ip_addresses().map(str)), st.none(), st.integers()),
                max_size=4))
def test_an_upstream_that_is_no_address_is_left_to_the_dns_server_test(values):
    refused = forwarding_loops(values, {"10.0.0.1": "forwarder x"})
    for line in refused:
        address = line.split(" (")[0].partition("#")[0]
        assert str(ipaddress.ip_address(address)) is not None


# reverse zones -----------------------------------------------------------------------------------

@FAST
@given(st.ip_addresses(v=4), st.sampled_from([8, 16, 24]))
def test_the_reverse_zone_of_an_octet_boundary_is_its_octets_reversed(address, prefix):
    zone = reverse_zone("%s/%d" % (address, prefix))
    octets = str(address).split(".")[:prefix // 8]
    assert zone == ".".join(reversed(octets)) + ".in-addr.arpa" and is_dns_name(zone)


@FAST
@given(st.one_of(st.text(max_size=30), injected(st.ip_addresses(v=4).map(lambda a: "%s/24" % a)),
                 st.tuples(st.ip_addresses(), st.integers(0, 130)).map(lambda t: "%s/%d" % t)))
def test_anything_else_has_no_reverse_zone_of_its_own(value):
    try:
        zone = reverse_zone(value)
    except AnsibleFilterError as exc:
        assert "reverse_zone: " in str(exc)
        return
    network = ipaddress.ip_network(value, strict=False)
    assert network.version == 4 and network.prefixlen in (8, 16, 24) and is_dns_name(zone)


# resolv.conf's search list -----------------------------------------------------------------------

DOMAIN = st.lists(st.text(string.ascii_lowercase + string.digits + "-", min_size=1, max_size=10), min_size=1,
                  max_size=3).map(".".join)
WORD = st.one_of(DOMAIN, injected(DOMAIN), st.text(max_size=12))
LINE = st.one_of(
    st.tuples(st.sampled_from(["search", "domain", "nameserver", "#search", ";domain", "options"]),
              st.sampled_from([" ", "\t", "  "]), st.lists(WORD, min_size=1, max_size=4).map(" ".join)).map("".join),
    st.text(max_size=30))
RESOLV_CONF = st.lists(LINE, max_size=6).map("\n".join)


@FAST
@given(RESOLV_CONF)
@example("search good.example\nsearch evil.example\nx\n6.6.6.6")
@example("search a.example b.example;rm\n")
def test_the_search_list_holds_only_dns_names_of_the_last_search_or_domain_line(text):
    domains = search_domains(text)
    assert all(is_dns_name(domain) for domain in domains)
    lines = [line.split() for line in text.splitlines() if line.split()[:1] in (["search"], ["domain"])]
    last = [line for line in lines if len(line) > 1][-1:]
    assert domains == [word for word in (last[0][1:] if last else []) if is_dns_name(word)]


# versions in a program's output ------------------------------------------------------------------

VERSION = st.tuples(st.integers(0, 99), st.integers(0, 99), st.one_of(st.none(), st.integers(0, 99))).map(
    lambda t: "%d.%d" % t[:2] + ("" if t[2] is None else ".%d" % t[2]))


@FAST
@given(st.text(string.ascii_letters + " :-+~", max_size=12), st.sampled_from(["", "v"]), VERSION,
       st.text(string.ascii_letters + " +~-()", max_size=12), st.one_of(st.none(), st.integers(0, 9)))
@example("Consul ", "v", "1.8.7", "\nRevision 1", None)
@example("", "", "1.8.7", "+dfsg1-2+b3", 1)
def test_the_first_version_is_the_one_a_program_or_a_debian_package_gives(before, v, version, after, epoch):
    text = before + v + version + after
    if epoch is not None:
        text = "%d:%s%s" % (epoch, version, after)
    assert first_version(text) == version


# how long checks hold ---------------------------------------------------------------------------

CHECK = st.fixed_dictionaries({"http": st.just("http://x/"), "interval": st.one_of(
    st.integers(1, 3600).map(lambda n: "%ds" % n), st.text(max_size=6), st.none(),
    injected(st.just("10s"))), "failures_before_critical": st.one_of(st.none(), st.integers(0, 5), st.text(max_size=3))})


@FAST
@given(st.lists(CHECK, max_size=4))
@example([{"http": "http://x/", "interval": "10s", "failures_before_critical": "x"}])
def test_checks_hold_their_longest_interval_times_failures_plus_one_or_fail_naming_the_check(checks):
    try:
        held = check_hold_seconds(checks)
    except AnsibleFilterError as exc:
        assert re.search(r"checks\[\d+\]", str(exc)), str(exc)
        return
    expected = 0.0
    for check in checks:
        if check["interval"]:
            seconds = parse_duration(check["interval"], "interval") / 1e9   # durations: test_durations.py
            expected = max(expected, seconds * (max(int(check["failures_before_critical"] or 0), 1) + 1))
    assert held == expected


# the consul role's dns_config and ports ---------------------------------------------------------

GOOD = {"a boolean": st.booleans(), "an integer of 0 or more": st.integers(0, 2 ** 32 - 1),
        "a duration": st.sampled_from(["0s", "5s", "1m30s", "250ms"]),
        "service_ttl": st.dictionaries(st.sampled_from(["*", "web", "api-2"]), st.sampled_from(["5s", "0s"]), max_size=2),
        "soa": st.dictionaries(st.sampled_from(["expire", "min_ttl", "refresh", "retry"]), st.integers(0, 2 ** 32 - 1),
                               max_size=2)}
BAD = st.one_of(st.text(max_size=8), injected(st.just("5s")), st.integers(-5, -1), st.integers(2 ** 32, 2 ** 40),
                st.floats(allow_nan=False), st.none(), st.lists(st.integers(), max_size=1), st.booleans())


def kind_accepts(kind, value):
    """The model: what Consul 1.8 reads for each kind of dns_config value."""
    if kind == "a boolean":
        return isinstance(value, bool)
    if kind == "an integer of 0 or more":
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2 ** 32
    if kind == "a duration":   # the go_duration test, itself proven against Go's reader (test_durations.py)
        return isinstance(value, str) and is_go_duration(value)
    return isinstance(value, dict) and not value


@FAST
@given(st.dictionaries(st.sampled_from(sorted(DNS_CONFIG_KEYS)), st.none(), max_size=5).flatmap(
    lambda keys: st.fixed_dictionaries(dict((key, GOOD[DNS_CONFIG_KEYS[key]]) for key in keys))),
    st.sampled_from(sorted(DNS_CONFIG_KEYS) + ["recursors", "dns_config", "node_ttl\n", ""]), BAD)
@example({}, "node_ttl", "5s\n")
@example({}, "udp_answer_limit", True)
@example({}, "cache_max_age", ".0s")
def test_dns_config_has_one_problem_per_wrong_value_named_on_one_line(good, key, value):
    assert dns_config_problems(good) == []
    given = dict(good, **{key: value})
    problems = dns_config_problems(given)
    wrong = key not in DNS_CONFIG_KEYS or not kind_accepts(DNS_CONFIG_KEYS[key], value)
    assert len(problems) == (1 if wrong else 0), problems
    for problem in problems:
        assert "\n" not in problem and "consul_dns_config" in problem


@FAST
@given(st.dictionaries(st.sampled_from(PORT_KEYS), st.integers(-1, 65535), max_size=4),
       st.sampled_from(PORT_KEYS + ("rpc", "dns\n")), st.one_of(BAD, st.integers(-1, 65535), st.integers(65536, 70000)))
@example({}, "dns", True)
@example({}, "dns", "8600")
def test_ports_have_one_problem_per_wrong_value_named_on_one_line(good, key, value):
    assert ports_problems(good) == []
    problems = ports_problems(dict(good, **{key: value}))
    right = key in PORT_KEYS and isinstance(value, int) and not isinstance(value, bool) and -1 <= value <= 65535
    assert len(problems) == (0 if right else 1), problems
    assert all("\n" not in problem for problem in problems)


# HTTP API paths (block_endpoints) and the inventory's group names -------------------------------

SEGMENT = st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=12)
API_PATH = st.tuples(st.lists(SEGMENT, min_size=1, max_size=4).map("/".join), st.sampled_from(["", "/"])).map(
    lambda t: "/v1/" + t[0] + t[1])


@FAST
@given(st.one_of(API_PATH, injected(API_PATH), st.tuples(API_PATH, JUNK).map("".join), st.text(max_size=30), st.sampled_from(
    ["/v1/", "/v1//catalog", "/v1/catalog/../acl", "/v1/./catalog", "/v1/catalog?x=1", "/v2/catalog"])))
@example("/v1/catalog/register\n")
@example("/v1/0//")
def test_an_api_path_is_v1_and_plain_segments_nothing_around_it(value):
    rest = value[len("/v1/"):] if value.startswith("/v1/") else None
    segments = (rest[:-1] if rest.endswith("/") else rest).split("/") if rest is not None else None   # one final '/'

    model = (segments is not None and len(value) <= 200 and all(
        s and all(c in string.ascii_letters + string.digits + "-_" for c in s) for s in segments))
    assert is_http_api_path(value) == model


@FAST
@given(st.sampled_from(["service_", "tag_", "dc_", ""]), st.text(max_size=20))
@example("tag_", u"caf\u00e9\n")
def test_a_group_name_holds_only_ascii_letters_digits_and_underscores(prefix, name):
    group = group_name(prefix, name)
    assert re.match(r"[A-Za-z0-9_]*\Z", group) and len(group) == len(prefix) + len(name)
    assert group_name(prefix, name) == group
