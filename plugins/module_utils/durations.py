# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Go durations as Consul reads and prints them, and the error every definition raises."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.module_utils.six import string_types


class DefinitionError(ValueError):
    """Invalid desired state; the message names the offending option."""


# Go's units: micro as "us", the micro sign (U+00B5) or the Greek mu (U+03BC)
_UNIT_NS = {"ns": 1, "us": 10 ** 3, u"\u00b5s": 10 ** 3, u"\u03bcs": 10 ** 3, "ms": 10 ** 6, "s": 10 ** 9,
            "m": 60 * 10 ** 9, "h": 3600 * 10 ** 9}
_DURATION_PART = re.compile(u"([0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")
# Go's time.Duration is an int64 of nanoseconds (about 292 years); Go refuses longer ones
_MAX_NS = 2 ** 63 - 1


def parse_duration(value, option):
    """A Go duration string ('1s', '1m30s', '1500ms') as integer nanoseconds.

    Exactly what Go's time.ParseDuration (so Consul) reads, but for a sign: nothing around the value
    (Consul refuses ' 10s'), no more than Go's longest duration."""
    if isinstance(value, bool) or not isinstance(value, string_types + (int,)):
        raise DefinitionError("%s: %r is not a duration" % (option, value))
    text = str(value)
    if text == "0":
        return 0
    if re.match(r"^[0-9.]+$", text):
        raise DefinitionError("%s: %r has no unit; write it as a duration such as %ss or %sms" % (option, value, text, text))
    pos, total = 0, 0
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            break
        number, unit = match.groups()
        whole, _dot, frac = number.partition(".")
        scale = _UNIT_NS[unit]
        total += int(whole or 0) * scale + (int(frac) * scale // 10 ** len(frac) if frac else 0)
        pos = match.end()
    if pos != len(text) or not text:
        raise DefinitionError("%s: %r is not a duration (examples: 10s, 1m30s, 500ms)" % (option, value))
    if total > _MAX_NS:
        raise DefinitionError("%s: %r is longer than Consul can read (2562047h at most)" % (option, value))
    return total


def format_duration(nanoseconds):
    """Go's time.Duration.String() ('1m0s', '1.5s', '500ms'), the form Consul itself prints."""
    if nanoseconds == 0:
        return "0s"
    if nanoseconds < 10 ** 9:
        for unit, size in (("ms", 10 ** 6), ("us", 10 ** 3), ("ns", 1)):
            if nanoseconds >= size:
                return _fraction(nanoseconds, size) + unit
    hours, rest = divmod(nanoseconds, 3600 * 10 ** 9)
    minutes, rest = divmod(rest, 60 * 10 ** 9)
    text = "%dh" % hours if hours else ""
    if hours or minutes:
        text += "%dm" % minutes
    return text + _fraction(rest, 10 ** 9) + "s"


def _fraction(value, size):
    whole, part = divmod(value, size)
    if not part:
        return str(whole)
    digits = len(str(size)) - 1
    return ("%d.%0*d" % (whole, digits, part)).rstrip("0")


# systemd's calendar events (systemd.time(7)), the forms a timer of the roles takes: a shorthand, or
# up to a weekday, a date, a time and UTC, each of a few characters only, one space apart. Nothing
# else reaches a unit file: no newline, quote, '%' or '$' that could add a line or a specifier.
_CALENDAR_SHORTHANDS = frozenset(["minutely", "hourly", "daily", "weekly", "monthly", "quarterly",
                                  "semiannually", "yearly", "annually"])
_WEEKDAY = "(?:mon|tue|wed|thu|fri|sat|sun)[a-z]{0,6}"
_CALENDAR_PARTS = (
    re.compile(r"%s(?:\.\.%s)?(?:,%s(?:\.\.%s)?)*\Z" % ((_WEEKDAY,) * 4), re.IGNORECASE),   # weekdays
    re.compile(r"[0-9*][0-9*,./~]*-[0-9*,./~-]*\Z"),                                          # a date
    re.compile(r"[0-9*][0-9*,./]*:[0-9*,./:]*\Z"),                                            # a time
    re.compile(r"UTC\Z"),
)
_CALENDAR_MAX = 64


def is_systemd_calendar(value):
    """A calendar event a systemd timer's OnCalendar= takes ('hourly', '*-*-* 03:00:00', 'Mon..Fri 02:30'),
    in the forms above: each part matching its kind, in order, one space apart."""
    if not isinstance(value, string_types) or not 0 < len(value) <= _CALENDAR_MAX:
        return False
    if value in _CALENDAR_SHORTHANDS:
        return True
    kinds = list(_CALENDAR_PARTS)
    if value == "UTC":   # a time zone alone is no event
        return False
    for part in value.split(" "):
        while kinds and not kinds[0].match(part):
            kinds.pop(0)
        if not kinds:
            return False
        kinds.pop(0)
    return True
