# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: refused_line
short_description: The line of a configuration that its validator refused, quoted
version_added: 0.3.0
description:
  - Validators such as C(dnsmasq --test) say only C(bad option at line 45 of /tmp/...), of a
    temporary file that is gone by the time an operator reads the error. Given that message and the
    text that was validated, this returns the line itself, so the error names the option at fault.
options:
  _input:
    description: The validator's message (for instance the C(stderr) of a template task whose validation failed).
    type: str
    required: true
  text:
    description: The configuration text that was validated.
    type: str
    required: true
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: Write dnsmasq's configuration
  block:
    - name: Write it, validated
      ansible.builtin.template:
        src: dnsmasq.conf.j2
        dest: /etc/dnsmasq.d/example.conf
        validate: dnsmasq --test --conf-file=%s
  rescue:
    - name: Say which line was refused
      ansible.builtin.fail:
        msg: "{{ ansible_failed_result.stderr | discovery.consul_dns.refused_line(lookup('template', 'dnsmasq.conf.j2')) }}"
"""

RETURN = r"""
_value:
  description:
    - "C(line N: 'the line'); empty when the message names no line, or a line the text does not have."
  type: str
  sample: "line 45: 'no-such-option'"
"""

from ansible_collections.discovery.consul_dns.plugins.module_utils.refused_line import refused_line


class FilterModule(object):
    def filters(self):
        return {"refused_line": refused_line}
