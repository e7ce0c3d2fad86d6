# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The version a program or a package reports, as a plain X.Y[.Z]."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.module_utils.six import text_type

# "Consul v1.8.7", "1.8.7+dfsg1-2+b3" (a Debian version, epoch optional), "v1.20.1-ent"
_VERSION = re.compile(r"(?:^|[^0-9.])v?(\d+\.\d+(?:\.\d+)?)")
_EPOCH = re.compile(r"^\d+:")


def first_version(text):
    """The first X.Y[.Z] in text (a Debian epoch skipped), or an empty string."""
    found = _VERSION.search(_EPOCH.sub("", text_type(text or "")))
    return found.group(1) if found else u""
