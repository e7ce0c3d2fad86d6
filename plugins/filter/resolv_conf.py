# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters reading a host's /etc/resolv.conf (the resolver role)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.discovery.consul_dns.plugins.module_utils.dns_names import is_dns_name


def search_domains(resolv_conf):
    """The search list glibc takes from this resolv.conf text: the last `search` or `domain` line wins.
    Only DNS names are kept, so that nothing else in the host's file reaches the file written."""
    domains = []
    for line in (resolv_conf or "").splitlines():
        words = line.split()
        if len(words) > 1 and words[0] in ("search", "domain"):
            domains = words[1:]
    return [domain for domain in domains if is_dns_name(domain)]


class FilterModule(object):
    def filters(self):
        return {"search_domains": search_domains}
