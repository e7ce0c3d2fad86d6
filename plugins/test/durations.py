# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Jinja tests for Go durations, with the modules' own parser, and for systemd calendar events."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.discovery.consul_dns.plugins.module_utils.durations import DefinitionError, is_systemd_calendar, parse_duration


def is_go_duration(value):
    try:
        parse_duration(value, "value")
    except DefinitionError:
        return False
    return True


class TestModule(object):
    def tests(self):
        return {"go_duration": is_go_duration, "systemd_calendar": is_systemd_calendar}
