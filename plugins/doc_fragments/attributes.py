# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Check mode and diff, as every module of the collection supports them.
    DOCUMENTATION = r"""
attributes:
  check_mode:
    support: full
    description: Reports what would change without changing anything on the agent.
  diff_mode:
    support: full
    description: Shows the state before and after; for checks, their readable fields and fingerprint.
"""
