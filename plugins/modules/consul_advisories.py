#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: consul_advisories
short_description: Warn about known advisories of the Consul version a host runs
version_added: 0.5.0
description:
  - This module is for internal collection use only (the roles of this collection run it); its options
    and results may change in any release.
  - Looks the Consul version up in the collection's table of known advisories and returns one
    Ansible warning (C([WARNING])) per advisory that affects it, naming what an attacker gains and
    the releases that fixed it.
  - A version that cannot be read, or one newer than the releases the table was reviewed for (the
    1.8 series), is warned about as unknown, since the table cannot tell it is safe.
  - O(accepted) silences the warnings it names, one advisory at a time.
  - An action that runs on the controller only; it never contacts the host.
  - The role P(discovery.consul_dns.consul#role) runs it on every run with the version it read.
attributes:
  async:
    support: none
    description: Answers at once; nothing to wait for.
  bypass_host_loop:
    support: none
    description: Runs once for each host, on what was read from it.
  check_mode:
    support: full
    description: Only warns; the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes.
  platform:
    support: full
    platforms: all
    description: Any host; the version is read from it before.
options:
  version:
    description:
      - The version as read from the host, for example C(Consul v1.8.7) (C(consul version)) or
        C(1.8.7+dfsg1-2+b3) (the Debian package). The first X.Y[.Z] in it counts.
      - Empty or missing means the version could not be read.
    type: str
  accepted:
    description:
      - Advisory IDs (C(CVE-2021-37219)) whose warnings you accept, having weighed what they give an attacker.
      - A version as the module returns it (C(1.21.0)) accepts that the table does not know it, for
        that version only.
    type: list
    elements: str
    default: []
notes:
  - The table (plugins/module_utils/advisories.py) holds advisories that touch what the roles build
    (no Connect, no Enterprise features, no auto_config). It is not a vulnerability scanner.
seealso:
  - name: HashiCorp security bulletins
    description: Consul's advisories as HashiCorp publishes them.
    link: https://discuss.hashicorp.com/c/security/52
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: Warn about known advisories of the installed Consul
  discovery.consul_dns.consul_advisories:
    version: "{{ consul_version_output.stdout }}"

- name: The same, having accepted one advisory
  discovery.consul_dns.consul_advisories:
    version: 1.8.7
    accepted: [CVE-2021-38698]
"""

RETURN = r"""
version:
  description: The version read (X.Y.Z), or an empty string when none could be read.
  returned: always
  type: str
  sample: 1.8.7
advisories:
  description: IDs of the advisories that affect the version and are not accepted (each warned about).
  returned: always
  type: list
  elements: str
  sample: [CVE-2021-37219, CVE-2022-29153]
accepted:
  description: IDs of the advisories that affect the version and were accepted (not warned about).
  returned: always
  type: list
  elements: str
  sample: [CVE-2021-38698]
unknown:
  description: True when the table cannot tell (a version unread or newer than the table was reviewed for).
  returned: always
  type: bool
  sample: false
msg:
  description: How many warnings were given.
  returned: always
  type: str
  sample: 2 warning(s) about Consul 1.8.7
"""
