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
  - This filter is for internal collection use only (the roles of this collection use it); its
    arguments may change in any release.
  - Compares each file's wanted content with what M(discovery.consul_dns.host_state) found on the host,
    on the controller. A file given with C(content) is compared with the content C(host_state) read
    (its RV(discovery.consul_dns.host_state#module:files) result); a file given with C(secret_content)
    only by the SHA-256 digest of that content against the digest C(host_state) computed on the host
    (its RV(discovery.consul_dns.host_state#module:digests) result), so a secret never travels back
    from the host to be compared.
  - A role reads small files with the one C(host_state) round trip it makes anyway, and writes them with
    M(discovery.consul_dns.config_files) only when this returns something, so an unchanged run then costs no
    round trip for them. Owner, group and mode are set whenever a file is written, not compared here.
options:
  _input:
    description: The entries of C(config_files)' O(discovery.consul_dns.config_files#module:files) option.
    type: list
    elements: dict
    required: true
  current_files:
    description:
      - Path to content, as C(host_state) returns it in C(files) (null for a file that does not exist),
        for the entries given with C(content).
      - Must not hold the path of an entry given with C(secret_content), whose content would then have
        been read back from the host; the filter refuses it.
    type: dict
    required: true
  digests:
    description:
      - Path to SHA-256 digest, as C(host_state) returns it in C(digests) (null for a file that does not
        exist), for the entries given with C(secret_content).
    type: dict
    default: {}
    version_added: 0.5.0
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: Write the repository files only when their content differs
  discovery.consul_dns.config_files:
    files: "{{ repository_files }}"
  when: repository_files | discovery.consul_dns.stale_files(host.files) | length > 0

- name: Write a token file only when the host's digest of it differs (host_state's digest_files)
  discovery.consul_dns.config_files:
    files: "{{ token_files }}"
  when: token_files | discovery.consul_dns.stale_files(host.files, host.digests) | length > 0
  no_log: true
  vars:
    token_files:
      - {path: /etc/app/token, secret_content: "{{ token }}\n", mode: "0600"}
"""

RETURN = r"""
_value:
  description:
    - The entries whose content differs from the host's, or whose path was not read (or digested) at all.
    - An entry with C(secret_content) whose path C(digests) lacks counts as stale.
  type: list
  elements: dict
"""

import hashlib

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_bytes


def content_digest(content):
    """The SHA-256 hex digest of a file's content as config_files writes it (UTF-8)."""
    return hashlib.sha256(to_bytes(content, errors="surrogate_or_strict")).hexdigest()


def stale_files(files, current_files, digests=None):
    digests = digests or {}
    stale = []
    for entry in files:
        if "path" not in entry:
            raise AnsibleFilterError("stale_files: every entry needs a path, got %r" % (entry,))
        path = entry["path"]
        secret = entry.get("secret_content")
        if secret is not None:
            if path in current_files:
                # never say what the entry holds: the error may be shown
                raise AnsibleFilterError(
                    "stale_files: %s holds a secret and is compared by digest only; read it with "
                    "host_state's digest_files, not read_files" % path)
            if digests.get(path) != content_digest(secret):
                stale.append(entry)
        elif path not in current_files or current_files[path] != entry.get("content"):
            stale.append(entry)
    return stale


class FilterModule(object):
    def filters(self):
        return {"stale_files": stale_files}
