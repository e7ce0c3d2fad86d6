# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Jinja tests for what may reach DNS or a configuration file (the roles' validate steps)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.discovery.consul_dns.plugins.module_utils.dns_names import (
    is_dns_label,
    is_dns_name,
    is_dns_server,
    is_ip_address,
    is_ip_network,
    is_safe_path,
)


class TestModule(object):
    def tests(self):
        return {
            "dns_label": is_dns_label,
            "dns_name": is_dns_name,
            "dns_server": is_dns_server,
            "ip_address": is_ip_address,
            "ip_network": is_ip_network,
            "safe_path": is_safe_path,
        }
