#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: consul_check
short_description: Register or deregister a Consul agent health check
version_added: 0.1.0
description:
  - Registers a health check on a Consul agent, node-level or bound to a service with O(service_id),
    or deregisters it.
  - Supports every agent check type of Consul's API; give exactly one of O(tcp), O(http), O(grpc),
    O(args) (script), O(docker_container_id) (with O(args)), O(ttl), or O(alias_service)/O(alias_node).
  - Idempotent although Consul cannot return a check's definition; see the notes.
  - The same options describe checks declared with a service in
    M(discovery.consul_dns.consul_service) and M(discovery.consul_dns.consul_services).
extends_documentation_fragment:
  - discovery.consul_dns.connection
  - discovery.consul_dns.attributes
options:
  state:
    description: Whether the check should be registered.
    type: str
    choices: [present, absent]
    default: present
  check_id:
    description:
      - Unique ID of the check on the agent. Defaults to O(name).
      - In a service's C(checks), defaults to Consul's own C(service:<id>) (C(service:<id>:<n>) for several).
    type: str
    aliases: [id]
  name:
    description:
      - Name of the check. Defaults to O(check_id) (in a service's C(checks), to C(Service '<name>' check)).
    type: str
  service_id:
    description:
      - Bind the check to this service, registered on the same agent. Only for M(discovery.consul_dns.consul_check).
    type: str
  notes:
    description: Human-readable notes shown with the check.
    type: str
  status:
    description: Initial status until the first check run.
    type: str
    choices: [passing, warning, critical]
  tcp:
    description: C(host:port) to open a TCP connection to.
    type: str
  http:
    description: URL to request; 2xx is passing, 429 warning, anything else critical.
    type: str
  method:
    description: HTTP method of an O(http) check.
    type: str
  header:
    description: HTTP headers of an O(http) check; each value a string or a list of strings.
    type: dict
  body:
    description: Request body of an O(http) check.
    type: str
  tls_skip_verify:
    description: Do not verify the certificate of an O(http) or O(grpc) check's target.
    type: bool
    default: false
  tls_server_name:
    description:
      - Server name for TLS verification of an O(http) or O(grpc) check. Needs Consul 1.9 or newer
        (1.8 rejects the registration with C(unknown field "TLSServerName")).
    type: str
  grpc:
    description: C(host:port[/service]) of a gRPC health endpoint.
    type: str
  grpc_use_tls:
    description: Use TLS for a O(grpc) check.
    type: bool
    default: false
  args:
    description:
      - Command and arguments of a script check, or the command to run inside the container of a
        O(docker_container_id) check.
      - The agent must allow script checks registered through its API (C(enable_script_checks));
        C(enable_local_script_checks) only allows those in its configuration files. Turn it on only
        with ACLs enforced.
    type: list
    elements: str
  docker_container_id:
    description: Container in which a docker check runs O(args).
    type: str
  shell:
    description: Shell to run a docker check's O(args) with.
    type: str
  ttl:
    description: Time to live of a TTL check, which the service keeps passing through the agent's API.
    type: str
  alias_service:
    description:
      - Service whose health this alias check mirrors.
      - On Consul 1.8 a new alias check of a service on the same agent can miss its first update
        when the agent is busy, and then stays V(critical) with no output until Consul's own
        refresh, at most a minute later (measured on 1.8.7); nothing the module can shorten.
    type: str
  alias_node:
    description:
      - Node whose health (and O(alias_service)'s on it) this alias check mirrors.
      - "On Consul 1.8.7 (measured): the agent panics and exits when the followed node leaves the catalog
        while an alias check watches it, also up to a minute after that check was removed. A changed
        check is re-registered only when the followed node next changes, up to a minute later, every
        other registration on that agent waiting as long (above the default O(request_timeout)); until
        then the old check may still write the old node's health over the new one's."
    type: str
  interval:
    description:
      - How often to run the check, a duration such as C(1s) or C(1m30s); at least C(1s).
      - Required for tcp, http, grpc, script and docker checks; not allowed for ttl and alias checks.
    type: str
  timeout:
    description: Timeout of a tcp, http, grpc or script check.
    type: str
  success_before_passing:
    description: Consecutive successes needed before a failing check turns passing.
    type: int
    default: 0
  failures_before_critical:
    description: Consecutive failures needed before a passing check turns critical.
    type: int
    default: 0
  deregister_critical_service_after:
    description: Deregister the check's service after it has been critical this long. Service-bound checks only.
    type: str
notes:
  - Consul's agent API does not return check definitions (C(Definition) is empty), so each
    registered check carries a fingerprint of its normalised definition at the end of its notes,
    C([consul_dns:check:<hash>]). A check is re-registered only when its name, type, service, notes or
    fingerprint differ, so an unchanged run reports C(changed=false) and keeps the check's status.
  - The fingerprint follows the O(token) the check is registered with, since the agent syncs a check with
    that token; so a check under another token is registered again.
  - Durations are normalised (C(60s) and C(1m) are the same) before fingerprinting.
seealso:
  - module: discovery.consul_dns.consul_service
  - name: Consul agent check API
    description: Check definitions and their fields.
    link: https://developer.hashicorp.com/consul/api-docs/agent/check
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: Check the SSH port of web01 like the reference topology does (interval 1s, 3 before passing/critical)
  discovery.consul_dns.consul_check:
    check_id: web01-ssh
    name: SSH
    service_id: web01
    tcp: 10.1.88.84:22
    interval: 1s
    timeout: 1s
    success_before_passing: 3
    failures_before_critical: 3

- name: An HTTP health endpoint with a header, deregistering the service after 10 minutes critical
  discovery.consul_dns.consul_check:
    check_id: api-health
    name: API health
    service_id: api
    http: https://127.0.0.1:8443/health
    method: GET
    header:
      Accept: application/json
    tls_skip_verify: true
    interval: 10s
    timeout: 2s
    deregister_critical_service_after: 10m

- name: A TTL check the application keeps passing itself
  discovery.consul_dns.consul_check:
    check_id: batch-heartbeat
    name: Batch heartbeat
    ttl: 30s

- name: Remove a check
  discovery.consul_dns.consul_check:
    check_id: batch-heartbeat
    state: absent
"""

RETURN = r"""
check_id:
  description: ID of the check.
  returned: always
  type: str
  sample: web01-ssh
check:
  description: The normalised definition sent to Consul (Consul's field names), without the notes marker.
  returned: when O(state=present)
  type: dict
  sample: {"CheckID": "web01-ssh", "Name": "SSH", "ServiceID": "web01", "TCP": "10.1.88.84:22",
           "Interval": "1s", "Timeout": "1s", "SuccessBeforePassing": 3, "FailuresBeforeCritical": 3}
fingerprint:
  description: Fingerprint of the definition, as stored at the end of the check's notes.
  returned: when O(state=present)
  type: str
  sample: check:3f1c2a9b7d0e4f55
"""


from ansible_collections.discovery.consul_dns.plugins.module_utils.check_definitions import (
    CHECK_OPTIONS,
    CheckSecretsModule,
    comparable_check,
    comparable_observed_check,
    normalize_check,
    with_fingerprint,
    without_secrets,
)
from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_module import ConsulModule


def main():
    argument_spec = dict(CHECK_OPTIONS)
    argument_spec.update(
        service_id=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = ConsulModule(argument_spec=argument_spec, module_class=CheckSecretsModule,
                          required_one_of=[("check_id", "name")])
    params = module.params
    service_id = params["service_id"]

    with module.errors():
        desired = None
        if params["state"] == "present":
            desired = normalize_check(params, service_bound=bool(service_id))
            if service_id:
                desired["ServiceID"] = service_id
        check_id = desired["CheckID"] if desired else params["check_id"] or params["name"]
        module.result["check_id"] = check_id

        if service_id and module.client.agent_service(service_id) is None:
            module.fail("service_id %s: no such service is registered on the agent at %s" % (service_id, module.client.url))
        current = module.client.agent_checks().get(check_id)
        after = comparable_check(desired, standalone=True, key=params["token"]) if desired else None
        if module.change(comparable_observed_check(current) if current else None, after):
            if desired:
                module.apply(module.client.register_check, with_fingerprint(desired, standalone=True, key=params["token"]))
            else:
                module.apply(module.client.deregister_check, check_id)

    if desired:
        module.result.update(check=without_secrets(desired), fingerprint=after["Fingerprint"])
    module.exit()


if __name__ == "__main__":
    main()
