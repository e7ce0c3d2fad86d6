#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: consul_service
short_description: Register or deregister a Consul agent service with its health checks
version_added: 0.1.0
description:
  - Registers a service on a Consul agent together with its health checks, or deregisters it.
  - Register services on the agent of the host the service runs on; services registered on a
    server agent leave DNS whenever that server is down.
  - The check options and their rules are those of M(discovery.consul_dns.consul_check).
  - To register many services in one task, use M(discovery.consul_dns.consul_services).
extends_documentation_fragment:
  - discovery.consul_dns.connection
  - discovery.consul_dns.attributes
options:
  state:
    description: Whether the service should be registered.
    type: str
    choices: [present, absent]
    default: present
  name:
    description: Service name; DNS answers it as C(<name>.service.<domain>). Required with O(state=present).
    type: str
  id:
    description: Unique ID of this instance on the agent. Defaults to O(name).
    type: str
    aliases: [service_id]
  address:
    description:
      - Address DNS returns for this instance. Empty means the node's address.
      - A host name inside the Consul domain (C(web.service.<domain>)) makes this service an alias
        that Consul answers with a CNAME plus the healthy addresses of the target.
      - An IP address is registered in its canonical form (C(fd00::1) for C(FD00::0001)); an IPv6
        zone ID (C(fe80::1%eth0)), IPv4 octets with leading zeros and anything around the address
        are refused before anything is sent.
    type: str
  service_port:
    description: Port of this instance, answered in SRV records.
    type: int
  tags:
    description: Tags of this instance, in order (C(<tag>.<name>.service.<domain>) in DNS).
    type: list
    elements: str
    default: []
  meta:
    description:
      - Service metadata. Keys of up to 128 letters, digits, C(_) or C(-), not starting with C(consul-);
        values of up to 512 characters. The keys C(consul_dns_set) and C(consul_dns_token) are reserved.
      - "With a O(token), the module adds C(consul_dns_token), a keyed digest of the token that tells
        nothing of it. An agent syncs a service with the token it was registered with, so a
        registration under another token is a change."
    type: dict
    default: {}
  enable_tag_override:
    description: Let tags be changed in the catalog without the agent reverting them.
    type: bool
    default: false
  weights:
    description: DNS SRV weights of this instance when passing and when warning.
    type: dict
    suboptions:
      passing:
        description: Weight while all checks pass.
        type: int
        default: 1
      warning:
        description: Weight while a check warns.
        type: int
        default: 1
  checks:
    description:
      - Health checks of this instance. Each is a dictionary with the options of
        M(discovery.consul_dns.consul_check) (except O(discovery.consul_dns.consul_check#module:service_id),
        O(discovery.consul_dns.consul_check#module:state) and the connection options).
      - Checks the definition no longer lists are removed; checks registered separately with
        M(discovery.consul_dns.consul_check) are left alone.
    type: list
    elements: dict
    default: []
notes:
  - Consul cannot return check definitions; checks are compared by fingerprint, see
    M(discovery.consul_dns.consul_check). An unchanged run reports C(changed=false) and does not
    touch the agent, so check states are kept.
seealso:
  - module: discovery.consul_dns.consul_check
  - module: discovery.consul_dns.consul_services
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
# The reference topology's web01, 1:1 (consul.d/web.json): a TCP check every second, 3 to pass, 3 to fail.
- name: Register web01
  discovery.consul_dns.consul_service:
    id: web01
    name: web
    address: 10.1.88.84
    tags: [rails]
    checks:
      - name: SSH
        tcp: 10.1.88.84:22
        interval: 1s
        timeout: 1s
        success_before_passing: 3
        failures_before_critical: 3

- name: An alias answered by Consul with a CNAME to the healthy web instances
  discovery.consul_dns.consul_service:
    name: www
    address: web.service.zhangeamon.com

- name: Set the connection once for every module of the collection
  module_defaults:
    group/discovery.consul_dns.consul:
      host: 127.0.0.1
      token: "{{ consul_services_token }}"
  block:
    - name: Deregister web02
      discovery.consul_dns.consul_service:
        id: web02
        state: absent
"""

RETURN = r"""
service_id:
  description: ID of the service.
  returned: always
  type: str
  sample: web01
service:
  description: The normalised registration (Consul's field names), checks without their notes marker.
  returned: when O(state=present)
  type: dict
  sample: {"ID": "web01", "Name": "web", "Address": "10.1.88.84", "Port": 0, "Tags": ["rails"], "Meta": {},
           "Weights": {"Passing": 1, "Warning": 1}, "EnableTagOverride": false,
           "Checks": [{"CheckID": "service:web01", "Name": "SSH", "TCP": "10.1.88.84:22", "Interval": "1s",
                       "Timeout": "1s", "SuccessBeforePassing": 3, "FailuresBeforeCritical": 3}]}
"""


from ansible_collections.discovery.consul_dns.plugins.module_utils.check_definitions import CheckSecretsModule
from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_module import ConsulModule
from ansible_collections.discovery.consul_dns.plugins.module_utils.service_definitions import (
    SERVICE_OPTIONS,
    comparable_observed_service,
    comparable_service,
    dropped_check_ids,
    normalize_service,
    registration_secrets,
    service_for_result,
    service_to_send,
)


def main():
    argument_spec = dict(SERVICE_OPTIONS)
    argument_spec.update(
        name=dict(type="str"),  # not required: an ID alone is enough to deregister
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = ConsulModule(
        argument_spec=argument_spec,
        module_class=CheckSecretsModule,
        required_if=[("state", "present", ("name",))],
        required_one_of=[("name", "id")],
    )
    params = module.params

    with module.errors():
        registration = None
        if params["state"] == "present":
            registration = normalize_service(params)
            module.no_log(*registration_secrets(registration))
        service_id = registration["ID"] if registration else params["id"] or params["name"]
        module.result["service_id"] = service_id

        current = module.client.agent_service(service_id)
        before = comparable_observed_service(current, module.client.agent_checks()) if current else None
        after = comparable_service(registration, key=params["token"]) if registration else None
        if module.change(before, after):
            if registration:
                module.apply(module.client.register_service, service_to_send(registration, key=params["token"]))
                for check_id in dropped_check_ids(before, after):
                    module.apply(module.client.deregister_check, check_id)
            else:
                module.apply(module.client.deregister_service, service_id)

    if registration:
        module.result["service"] = service_for_result(registration)
    module.exit()


if __name__ == "__main__":
    main()
