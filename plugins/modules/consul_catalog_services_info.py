#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: consul_catalog_services_info
short_description: List the services of a Consul datacenter, waiting for some to appear
version_added: 0.5.0
description:
  - Reads the name of every service of the datacenter's catalog, with the tags its instances carry
    (C(GET /v1/catalog/services)).
  - With O(wait_for), reads again until every service named there is in the catalog, or O(timeout)
    runs out; services registered a moment ago reach the catalog with their agent's next sync. Does
    not fail when some are still missing; RV(missing) names them, for the task that decides.
  - Needs C(service:read) on the services to list (the agent's default token serves when no token is given).
extends_documentation_fragment:
  - discovery.consul_dns.connection
attributes:
  check_mode:
    support: full
    description: Only reads; reads (and waits) in check mode too.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show.
options:
  wait_for:
    description: Names of services to wait for.
    type: list
    elements: str
    default: []
  timeout:
    description: Seconds to wait at most for the services of O(wait_for).
    type: float
    default: 15
  poll_interval:
    description: Seconds between two reads.
    type: float
    default: 1
seealso:
  - module: discovery.consul_dns.consul_services
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: Wait up to 15 s for web and api to be in the catalog
  discovery.consul_dns.consul_catalog_services_info:
    wait_for: [web, api]
    timeout: 15
  register: catalog

- name: Refuse to go on without them
  ansible.builtin.assert:
    that: catalog.missing | length == 0
    fail_msg: "not in the catalog: {{ catalog.missing | join(', ') }}"
"""

RETURN = r"""
services:
  description: Every service of the datacenter, with the tags its instances carry.
  returned: success
  type: dict
  sample: {"consul": [], "web": ["rails", "primary"]}
missing:
  description: The services of O(wait_for) still not in the catalog when the module ended.
  returned: success
  type: list
  elements: str
  sample: []
waited:
  description: Seconds waited.
  returned: success
  type: float
  sample: 1.02
"""

import time

from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_module import ConsulModule


def wait_for_services(client, names, timeout, poll_interval, clock=time.monotonic, sleep=time.sleep):
    """(services, names missing, seconds waited): read until no name of ``names`` is missing, or ``timeout``."""
    start = clock()
    while True:
        services = client.catalog_services()
        missing = sorted(set(names) - set(services))
        waited = clock() - start
        if not missing or waited >= timeout:
            return services, missing, round(waited, 2)
        sleep(poll_interval)


def main():
    module = ConsulModule(argument_spec=dict(
        wait_for=dict(type="list", elements="str", default=[]),
        timeout=dict(type="float", default=15.0),
        poll_interval=dict(type="float", default=1.0),
    ))
    params = module.params
    with module.errors():
        services, missing, waited = wait_for_services(module.client, params["wait_for"], params["timeout"],
                                                      params["poll_interval"])
    module.exit(services=services, missing=missing, waited=waited)


if __name__ == "__main__":
    main()
