# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: nftables_service_files
short_description: The files that make Debian's nftables.service load a table with the host's own rules, atomically
version_added: 0.5.0
description:
  - "Debian's C(nftables.service) loads C(/etc/nftables.conf), which begins with C(flush ruleset): on its
    start, reload and stop every other table is gone, if only for a moment. These files make each of them
    load the collection's tables in the same C(nft -f) transaction as the host's own rules (a drop-in of
    C(nftables.service) and two rule files that include every file of a shared folder), so there is no
    moment without them."
  - Each role that has a table adds its own include file (O(name)) to the shared folder; the shared files
    are the same whichever role writes them, so a host with a Consul server and a forwarder loads both.
  - Entries for M(discovery.consul_dns.config_files).
options:
  _input:
    description: The table's rules file (an absolute path; the file a role loads its table from).
    type: str
    required: true
  name:
    description: The include file's name in the shared folder (a DNS label, e.g. the role's name).
    type: str
    required: true
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: The forwarder's table, loaded by nftables.service with the host's rules
  discovery.consul_dns.config_files:
    files: "{{ '/etc/nftables-discovery-consul-dns.nft' | discovery.consul_dns.nftables_service_files('dnsmasq') }}"
"""

RETURN = r"""
_value:
  description: Entries of C(config_files)' O(discovery.consul_dns.config_files#module:files) option.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.discovery.consul_dns.plugins.module_utils.dns_names import is_dns_label, is_safe_path

FOLDER = "/etc/discovery-consul-dns"
INCLUDES = FOLDER + "/nftables.d"
START = FOLDER + "/nftables-start.nft"
STOP = FOLDER + "/nftables-stop.nft"
DROP_IN_FOLDER = "/etc/systemd/system/nftables.service.d"
DROP_IN = DROP_IN_FOLDER + "/discovery-consul-dns.conf"
MANAGED = "# Ansible managed (discovery.consul_dns)\n"


def nftables_service_files(table_file, name):
    if not is_safe_path(table_file):
        raise AnsibleFilterError("nftables_service_files: %r is not a plain absolute path" % (table_file,))
    if not is_dns_label(name):
        raise AnsibleFilterError("nftables_service_files: name %r is not a DNS label" % (name,))
    every_table = 'include "%s/*.nft"\n' % INCLUDES
    return [
        dict(path=FOLDER, state="directory", mode="0755"),
        dict(path=INCLUDES, state="directory", mode="0755"),
        dict(path="%s/%s.nft" % (INCLUDES, name), content=MANAGED + 'include "%s"\n' % table_file, mode="0644"),
        dict(path=START, content=MANAGED + 'include "/etc/nftables.conf"\n' + every_table, mode="0644"),
        dict(path=STOP, content=MANAGED + "flush ruleset\n" + every_table, mode="0644"),
        dict(path=DROP_IN_FOLDER, state="directory", mode="0755"),
        dict(path=DROP_IN, mode="0644", content=MANAGED + (
            "# /etc/nftables.conf flushes the whole ruleset: the collection's tables are loaded in the same\n"
            "# transaction on start, reload and stop, so there is no moment without them.\n"
            "[Service]\n"
            "ExecStart=\n"
            "ExecStart=/usr/sbin/nft -f %s\n"
            "ExecReload=\n"
            "ExecReload=/usr/sbin/nft -f %s\n"
            "ExecStop=\n"
            "ExecStop=/usr/sbin/nft -f %s\n") % (START, START, STOP)),
    ]


class FilterModule(object):
    def filters(self):
        return {"nftables_service_files": nftables_service_files}
