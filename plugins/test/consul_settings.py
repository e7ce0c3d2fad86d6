# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Jinja tests for the consul role's settings (validate.yml)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_settings import is_gossip_key, is_http_api_path


class TestModule(object):
    def tests(self):
        return {"gossip_key": is_gossip_key, "http_api_path": is_http_api_path}
