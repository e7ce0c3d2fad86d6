# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters about check definitions (the consul role's and the modules' check options)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.discovery.consul_dns.plugins.module_utils.durations import DefinitionError, parse_duration


def check_hold_seconds(checks):
    """How long checks of these definitions may keep reporting passing after their target went down:
    failures_before_critical intervals (at least one), plus one interval for the run in progress."""
    longest = 0.0
    for index, check in enumerate(checks or []):
        if not check.get("interval"):
            continue   # ttl and alias checks follow something else
        try:
            interval = parse_duration(check["interval"], "checks[%d].interval" % index) / 1e9
        except DefinitionError as error:
            raise AnsibleFilterError("check_hold_seconds: %s" % error)
        failures = check.get("failures_before_critical") or 0
        try:
            failures = int(failures)
        except (TypeError, ValueError):
            raise AnsibleFilterError("check_hold_seconds: checks[%d].failures_before_critical: %r is not a number"
                                     % (index, failures))
        longest = max(longest, interval * (max(failures, 1) + 1))
    return longest


class FilterModule(object):
    def filters(self):
        return {"check_hold_seconds": check_hold_seconds}
