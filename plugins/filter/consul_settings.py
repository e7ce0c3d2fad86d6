# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that check the consul role's settings whose keys reach HCL as they are (validate.yml)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_settings import (
    dns_config_problems,
    ports_problems,
)


class FilterModule(object):
    def filters(self):
        return {
            "consul_ports_problems": ports_problems,
            "consul_dns_config_problems": dns_config_problems,
        }
