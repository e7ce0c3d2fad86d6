#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: consul_services
short_description: Declare the whole set of services (and their checks) of one Consul agent in one task
version_added: 0.1.0
description:
  - Registers every listed service with its checks on one agent in one task. The agent's services
    and checks are read once, and only the services that differ are registered.
  - With O(purge=true), deregisters the services this module registered earlier under the same
    O(set_name) that are no longer listed. Services registered any other way are never touched.
  - This is the path for large fleets; 1,000 services fit in one task.
extends_documentation_fragment:
  - discovery.consul_dns.connection
  - discovery.consul_dns.attributes
options:
  services:
    description:
      - The services, each a dictionary with the options of M(discovery.consul_dns.consul_service)
        (except O(discovery.consul_dns.consul_service#module:state) and the connection options),
        C(checks) included.
      - Service IDs (C(id), defaulting to C(name)) must be unique.
    type: list
    elements: dict
    required: true
  purge:
    description:
      - Deregister services previously registered by this module with the same O(set_name) that
        O(services) no longer lists.
    type: bool
    default: false
  set_name:
    description:
      - Name of this set of services, stored in each service's C(consul_dns_set) meta key. O(purge)
        only considers services of this set, so independent plays can each manage their own set.
    type: str
    default: default
notes:
  - Checks are compared by fingerprint, see M(discovery.consul_dns.consul_check).
seealso:
  - module: discovery.consul_dns.consul_service
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: The reference topology's two web instances, and nothing else of this set
  discovery.consul_dns.consul_services:
    purge: true
    services:
      - id: web01
        name: web
        address: 10.1.88.84
        tags: [rails]
        checks:
          - {name: SSH, tcp: "10.1.88.84:22", interval: 1s, timeout: 1s,
             success_before_passing: 3, failures_before_critical: 3}
      - id: web02
        name: web
        address: 10.1.88.85
        tags: [rails]
        checks:
          - {name: SSH, tcp: "10.1.88.85:8000", interval: 1s, timeout: 1s,
             success_before_passing: 3, failures_before_critical: 3}

- name: Services of a host from its inventory variables
  discovery.consul_dns.consul_services:
    services: "{{ consul_services }}"
    set_name: "{{ inventory_hostname }}"
    purge: true
"""

RETURN = r"""
registered:
  description: IDs of services that were not registered before.
  returned: always
  type: list
  elements: str
  sample: [web02]
updated:
  description: IDs of services whose definition or checks changed.
  returned: always
  type: list
  elements: str
  sample: [web01]
deregistered:
  description: IDs of services removed by O(purge).
  returned: always
  type: list
  elements: str
  sample: [old-web]
unchanged:
  description: Number of listed services that were already as declared.
  returned: always
  type: int
  sample: 998
"""


from ansible_collections.discovery.consul_dns.plugins.module_utils.check_definitions import CheckSecretsModule
from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_module import ConsulModule
from ansible_collections.discovery.consul_dns.plugins.module_utils.durations import DefinitionError
from ansible_collections.discovery.consul_dns.plugins.module_utils.service_definitions import (
    SERVICE_OPTIONS,
    SET_META_KEY,
    comparable_observed_service,
    comparable_service,
    dropped_check_ids,
    normalize_service,
    registration_secrets,
    service_to_send,
    validate_options,
)


def desired_registrations(services, set_name):
    """Validate every listed service before anything is sent; errors name the list index."""
    registrations = {}
    for index, item in enumerate(services):
        where = "services[%d]: " % index
        if not isinstance(item, dict):
            raise DefinitionError("%sa service must be a dictionary of options" % where)
        if item.get("name"):
            where = "services[%d] (%s): " % (index, item.get("id") or item["name"])
        registration = normalize_service(validate_options(SERVICE_OPTIONS, item, where), where, set_name)
        if registration["ID"] in registrations:
            raise DefinitionError("%sservice ID %s is listed twice" % (where, registration["ID"]))
        registrations[registration["ID"]] = registration
    return registrations


def main():
    module = ConsulModule(argument_spec=dict(
        services=dict(type="list", elements="dict", required=True),
        purge=dict(type="bool", default=False),
        set_name=dict(type="str", default="default"),
    ), module_class=CheckSecretsModule)
    params = module.params
    module.result.update(registered=[], updated=[], deregistered=[], unchanged=0)
    result = module.result
    module.keyed_diff()

    with module.errors():
        registrations = desired_registrations(params["services"], params["set_name"])
        for registration in registrations.values():
            module.no_log(*registration_secrets(registration))

        agent_services = module.client.agent_services()
        agent_checks = module.client.agent_checks()
        to_register = []  # (registration, IDs of inline checks it dropped)
        for service_id, registration in registrations.items():
            current = agent_services.get(service_id)
            before = comparable_observed_service(current, agent_checks) if current else None
            after = comparable_service(registration, key=params["token"])
            if not module.change(before, after, key=service_id):
                result["unchanged"] += 1
                continue
            result["updated" if before else "registered"].append(service_id)
            to_register.append((registration, dropped_check_ids(before, after)))
        if params["purge"]:
            for service_id, service in sorted(agent_services.items()):
                if service_id not in registrations and (service.get("Meta") or {}).get(SET_META_KEY) == params["set_name"]:
                    result["deregistered"].append(service_id)
                    module.change(comparable_observed_service(service, agent_checks), None, key=service_id)
        # every definition is checked and compared before the first change
        for registration, dropped_checks in to_register:
            module.apply(module.client.register_service, service_to_send(registration, key=params["token"]))
            for check_id in dropped_checks:
                module.apply(module.client.deregister_check, check_id)
        for service_id in result["deregistered"]:
            module.apply(module.client.deregister_service, service_id)
    module.exit()


if __name__ == "__main__":
    main()
