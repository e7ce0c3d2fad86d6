"""Go durations: fractions of every length read exactly, whatever Go prints reads back the same, and a
duration is taken exactly when Go (so Consul) reads it, to the same value."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from hypothesis import example, given, settings, strategies as st

from ansible_collections.discovery.consul_dns.plugins.module_utils.durations import DefinitionError, format_duration, parse_duration
from ansible_collections.discovery.consul_dns.plugins.test.durations import is_go_duration

# no example database: these runs must leave nothing in the checkout
FAST = settings(max_examples=200, deadline=None, database=None)
UNIT_NS = {"ns": 1, "us": 10 ** 3, "ms": 10 ** 6, "s": 10 ** 9, "m": 60 * 10 ** 9, "h": 3600 * 10 ** 9}


@pytest.mark.parametrize("text,ns", [
    ("1.25s", 1250 * 10 ** 6), ("0.05s", 50 * 10 ** 6), ("1.125s", 1125 * 10 ** 6), ("2.75m", 165 * 10 ** 9),
    ("1m30.25s", 90250 * 10 ** 6), ("1.000000001s", 10 ** 9 + 1), ("1.10s", 1100 * 10 ** 6),
])
def test_multi_digit_fractions_read_exactly(text, ns):
    assert parse_duration(text, "interval") == ns
    assert is_go_duration(text)


@FAST
@given(whole=st.integers(min_value=0, max_value=10 ** 6), frac=st.text("0123456789", min_size=1, max_size=9),
       unit=st.sampled_from(sorted(UNIT_NS)))
def test_decimal_duration_parses_to_exact_nanoseconds(whole, frac, unit):
    """'<whole>.<frac><unit>' is whole + frac / 10**len(frac) units, to the nanosecond (Go truncates below)."""
    scale = UNIT_NS[unit]
    expected = whole * scale + int(frac) * scale // 10 ** len(frac)
    assert parse_duration("%d.%s%s" % (whole, frac, unit), "interval") == expected


@FAST
@given(ns=st.integers(min_value=0, max_value=1000 * 3600 * 10 ** 9))
def test_format_then_parse_is_identity(ns):
    text = format_duration(ns)
    assert is_go_duration(text)
    assert parse_duration(text, "interval") == ns


# Go's own reader, as a model: what Consul accepts is what time.ParseDuration accepts -------------

_GO_UNITS = {"ns": 1, "us": 10 ** 3, u"\u00b5s": 10 ** 3, u"\u03bcs": 10 ** 3, "ms": 10 ** 6, "s": 10 ** 9,
             "m": 60 * 10 ** 9, "h": 3600 * 10 ** 9}
_GO_MAX = 2 ** 63 - 1


def go_parse_duration(text):
    """time.ParseDuration of Go (src/time/format.go) transcribed, unsigned values only: nanoseconds or
    None. Its fraction goes through a float64, as Go's does."""
    if text == "0":
        return 0
    if text == "":
        return None
    total, rest = 0, text
    while rest:
        if not (rest[0] == "." or "0" <= rest[0] <= "9"):
            return None
        digits = len(rest) - len(rest.lstrip("0123456789"))
        if digits > 0 and int(rest[:digits]) > 2 ** 63:
            return None
        whole, rest, pre = int(rest[:digits] or 0), rest[digits:], digits > 0
        frac, scale, post = 0, 1.0, False
        if rest.startswith("."):
            rest = rest[1:]
            digits = len(rest) - len(rest.lstrip("0123456789"))
            post = digits > 0
            for char in rest[:digits]:   # digits past what fits are dropped, as Go drops them
                if frac > _GO_MAX // 10 or frac * 10 + int(char) > 2 ** 63:
                    break
                frac, scale = frac * 10 + int(char), scale * 10
            rest = rest[digits:]
        if not pre and not post:
            return None
        end = 0
        while end < len(rest) and not (rest[end] == "." or "0" <= rest[end] <= "9"):
            end += 1
        unit = _GO_UNITS.get(rest[:end])
        if unit is None or whole > 2 ** 63 // unit:
            return None
        value = whole * unit + (int(float(frac) * (float(unit) / scale)) if frac else 0)
        total += value
        if value > 2 ** 63 or total > 2 ** 63:
            return None
        rest = rest[end:]
    return total if total <= _GO_MAX else None


def _close(ours, gos):
    # Go adds a fraction through a float64: it may be a nanosecond (or a float's rounding) off the exact value
    return abs(ours - gos) <= 4 + gos // 2 ** 50


DIGITS = st.text("0123456789", min_size=1, max_size=22)
GO_UNIT = st.sampled_from(sorted(_GO_UNITS) + ["", "S", "sec", "min", "d", "\u00b5", "n"])
DURATION_PART = st.tuples(st.one_of(DIGITS, st.just("")), st.sampled_from(["", ".", "."]),
                          st.one_of(DIGITS, st.just("")), GO_UNIT).map("".join)
INJECTED = st.sampled_from([" ", "\n", "\t", "\r", "\x00", "\x0b", u"\u00a0", u"\u2028", "+", "-", ".", "#",
                            u"\u0661", u"\uff11", "e", "_", ",", "0"])
NEAR_DURATION = st.one_of(
    st.lists(DURATION_PART, min_size=1, max_size=4).map("".join),
    st.tuples(st.lists(DURATION_PART, min_size=1, max_size=3).map("".join), INJECTED, st.integers(0, 2)).map(
        lambda t: t[0][:t[2]] + t[1] + t[0][t[2]:] if t[2] % 2 else t[0] + t[1]),
    st.tuples(INJECTED, st.lists(DURATION_PART, min_size=1, max_size=3).map("".join)).map("".join),
    st.text(alphabet=u"0123456789.nsum\u00b5\u03bch +-\n\t", max_size=25),
    st.text(max_size=25),
)


@FAST
@given(NEAR_DURATION)
@example("10s\n")
@example(" 10s")
@example("9999999999999999h")
@example(u"1\u03bcs")
def test_a_duration_is_accepted_exactly_when_go_reads_it_and_to_the_same_value(text):
    """A value the go_duration test or a module takes reaches Consul, which reads it with Go: accepting
    what Go refuses (a line break around it, more than Go's 292 years) lets a config Consul cannot start
    with through. Only Go's sign is refused on purpose (a negative interval means nothing here)."""
    gos = go_parse_duration(text)
    try:
        ours = parse_duration(text, "interval")
    except DefinitionError:
        assert gos is None or text[:1] in "+-", "Go reads %r as %r ns" % (text, gos)
        assert not is_go_duration(text)
        return
    assert gos is not None, "Go refuses %r, taken as %r ns" % (text, ours)
    assert _close(ours, gos) and is_go_duration(text)


@FAST
@given(st.one_of(st.integers(min_value=0, max_value=_GO_MAX), st.integers(min_value=0, max_value=10 ** 10)))
@example(_GO_MAX)
def test_what_the_modules_send_consul_reads_back_to_the_nanosecond(ns):
    """The modules send durations as format_duration writes them; Consul must read them as meant."""
    text = format_duration(ns)
    assert go_parse_duration(text) == ns == parse_duration(text, "interval")
