# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Quote the line of a configuration text that its validator refused.

Validators such as ``dnsmasq --test`` name only a line number of a temporary file that is gone by
the time an operator reads the error; the line itself names the option at fault.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.module_utils.six import text_type

_LINE_NUMBER = re.compile(r"\bat line (\d+)\b")


def refused_line(message, text):
    """``line N: 'text'`` for the line ``message`` names, or an empty string."""
    found = _LINE_NUMBER.search(text_type(message))
    lines = text_type(text).splitlines()
    if not found or not 1 <= int(found.group(1)) <= len(lines):
        return u""
    number = int(found.group(1))
    return u"line %d: %r" % (number, lines[number - 1])
