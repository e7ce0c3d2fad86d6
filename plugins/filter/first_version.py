# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: first_version
short_description: The first X.Y[.Z] version in a program's output or a Debian package version
version_added: 0.3.0
description:
  - C(Consul v1.8.7) (what C(consul version) prints) and C(1.8.7+dfsg1-2+b3) (a Debian package version,
    an epoch skipped) both give C(1.8.7), ready for the C(version) test.
options:
  _input:
    description: The text; null gives an empty string.
    type: str
    required: true
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: Warn about an old Consul
  ansible.builtin.debug:
    msg: consul is older than 1.8.15
  when: host.deb_packages.consul | discovery.consul_dns.first_version is version('1.8.15', '<')
"""

RETURN = r"""
_value:
  description: The version, or an empty string when the text has none.
  type: str
  sample: 1.8.7
"""

from ansible_collections.discovery.consul_dns.plugins.module_utils.versions import first_version


class FilterModule(object):
    def filters(self):
        return {"first_version": first_version}
