"""systemd_calendar: the calendar events the roles write into a timer's OnCalendar= (consul_snapshot_interval)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import shutil
import subprocess

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.discovery.consul_dns.plugins.module_utils.durations import is_systemd_calendar
from ansible_collections.discovery.consul_dns.plugins.test import durations as duration_tests

FAST = settings(max_examples=300, deadline=None, database=None)
GOOD = ["hourly", "daily", "weekly", "minutely", "*-*-* 03:00:00", "*-*-* 03:00", "Mon..Fri 02:30", "Sat,Sun *-*-* 00:00 UTC",
        "*:0/15", "*-*-01 04:00:00", "2026-12-* 12:00", "Mon *-*-* 00/4:00", "monday 01:00", "*-*~03 06:00"]


@pytest.mark.parametrize("good", GOOD)
def test_the_usual_events_pass_and_systemd_takes_them(good):
    assert is_systemd_calendar(good) and duration_tests.TestModule().tests()["systemd_calendar"](good)
    if shutil.which("systemd-analyze"):
        proc = subprocess.run(["systemd-analyze", "calendar", good], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("bad", [
    "hourly\n", "hourly\nExecStartPre=/bin/sh -c id", "daily; rm -rf /", "%h", "$HOME", "*-*-* 03:00 %n",
    "hourly ", " hourly", "*-*-*  03:00", "03:00 *-*-*", "UTC *-*-*", "Mon Mon", "'hourly'", '"daily"',
    "*-*-* 03:00\r", "*-*-*\t03:00", "", "x" * 65, "*-*-* 03:00 Europe/Berlin", "now", "-", ":", "UTC",
    None, 5, ["hourly"], b"hourly",
])
def test_hostile_or_unknown_values_are_refused(bad):
    assert not is_systemd_calendar(bad)


@FAST
@given(st.text(max_size=70))
def test_nothing_that_could_add_a_line_or_a_specifier_passes(value):
    if is_systemd_calendar(value):
        assert not set(value) & set("\n\r\t\0%$'\"\\;`=") and len(value) <= 64
        assert value == value.strip() and "  " not in value
