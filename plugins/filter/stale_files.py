# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: stale_files
short_description: The files of a discovery.consul_dns.config_files list whose content a host does not have yet
version_added: 0.3.0
description:
  - Compares each file's wanted content (C(content) or C(secret_content)) with what
    M(discovery.consul_dns.host_state) read from the host (its C(files) result), on the controller.
  - A role reads small files with the one C(host_state) round trip it makes anyway, and writes them with
    M(discovery.consul_dns.config_files) only when this returns something, so an unchanged run then costs no
    round trip for them. Owner, group and mode are set whenever a file is written, not compared here.
options:
  _input:
    description: The entries of C(config_files)' O(discovery.consul_dns.config_files#module:files) option.
    type: list
    elements: dict
    required: true
  current:
    description: Path to content, as C(host_state) returns it in C(files) (null for a file that does not exist).
    type: dict
    required: true
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: Write the repository files only when their content differs
  discovery.consul_dns.config_files:
    files: "{{ repository_files }}"
  when: repository_files | discovery.consul_dns.stale_files(host.files) | length > 0
"""

RETURN = r"""
_value:
  description: The entries whose content differs from the host's, or whose path was not read at all.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError


def stale_files(files, current):
    stale = []
    for entry in files:
        if "path" not in entry:
            raise AnsibleFilterError("stale_files: every entry needs a path, got %r" % (entry,))
        wanted = entry.get("secret_content")
        if wanted is None:
            wanted = entry.get("content")
        if entry["path"] not in current or current[entry["path"]] != wanted:
            stale.append(entry)
    return stale


class FilterModule(object):
    def filters(self):
        return {"stale_files": stale_files}
