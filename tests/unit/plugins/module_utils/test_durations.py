"""Go durations: fractions of every length read exactly, and whatever Go prints reads back the same."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.discovery.consul_dns.plugins.module_utils.durations import format_duration, parse_duration
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
