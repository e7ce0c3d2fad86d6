#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: consul_prepared_query
short_description: Create, update or delete a Consul prepared query, by name
version_added: 0.1.0
description:
  - Manages a prepared query identified by its name. DNS answers it as C(<name>.query.<domain>),
    with the healthy instances of O(service), so the name is a health-following alias that can
    fail over to other datacenters.
  - Prepared queries live in Consul's replicated state, not on an agent; run this once per datacenter.
  - Needs a token that may write the query's name (C(query_prefix) write).
extends_documentation_fragment:
  - discovery.consul_dns.connection
  - discovery.consul_dns.attributes
options:
  name:
    description: Name of the query; DNS answers it as C(<name>.query.<domain>).
    type: str
    required: true
  service:
    description: Service whose instances the query returns. Required with O(state=present).
    type: str
  tags:
    description: Tags the instances must carry; C(!tag) excludes instances carrying C(tag).
    type: list
    elements: str
    default: []
  only_passing:
    description: Return only instances whose checks all pass (V(false) adds those in warning).
    type: bool
    default: true
  near:
    description: Sort by distance from this node (V(_agent) for the agent asked, V(_ip) for the client's address).
    type: str
    default: ""
  failover_nearest_n:
    description: When no instance is healthy here, try this many other datacenters, nearest first.
    type: int
    default: 0
  failover_datacenters:
    description: When no instance is healthy here, try these datacenters, in order.
    type: list
    elements: str
    default: []
  node_meta:
    description: Only instances on nodes with this node metadata.
    type: dict
    default: {}
  service_meta:
    description: Only instances with this service metadata.
    type: dict
    default: {}
  ignore_check_ids:
    description: Check IDs whose state does not count.
    type: list
    elements: str
    default: []
  dns_ttl:
    description: TTL of the query's DNS answers, a duration such as C(10s) ("" = the agent's service TTL).
    type: str
    default: ""
  state:
    description: Whether the query should exist.
    type: str
    choices: [present, absent]
    default: present
seealso:
  - module: discovery.consul_dns.consul_service
  - name: Consul prepared query API
    description: The query definition's fields.
    link: https://developer.hashicorp.com/consul/api-docs/query
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: www.query.zhangeamon.com answers the healthy web instances, or dc2's when bj has none
  discovery.consul_dns.consul_prepared_query:
    name: www
    service: web
    tags: [rails]
    failover_datacenters: [dc2]
    dns_ttl: 5s
"""

RETURN = r"""
query_id:
  description: ID of the query.
  returned: when O(state=present) and not in check mode for a new query
  type: str
  sample: 8f246b77-f3e1-ff88-5b48-8ec93abf3e05
query:
  description: The managed part of the query's definition, as sent (Consul's field names).
  returned: when O(state=present)
  type: dict
  sample: {"Name": "www", "Service": {"Service": "web", "Tags": ["rails"], "OnlyPassing": true, "Near": "",
           "Failover": {"NearestN": 0, "Datacenters": ["dc2"]}, "NodeMeta": {}, "ServiceMeta": {},
           "IgnoreCheckIDs": []}, "DNS": {"TTL": "5s"}}
"""

from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_module import ConsulModule
from ansible_collections.discovery.consul_dns.plugins.module_utils.durations import format_duration, parse_duration


def normalized_ttl(value, option="dns_ttl"):
    return format_duration(parse_duration(value, option)) if value else ""


def comparable(query):
    """The fields this module manages, with Consul's nulls and durations made comparable."""
    service = query.get("Service") or {}
    failover = service.get("Failover") or {}
    return dict(
        Name=query["Name"],
        Service=dict(
            Service=service.get("Service") or "",
            Tags=list(service.get("Tags") or []),
            OnlyPassing=bool(service.get("OnlyPassing")),
            Near=service.get("Near") or "",
            Failover=dict(NearestN=failover.get("NearestN") or 0, Datacenters=list(failover.get("Datacenters") or [])),
            NodeMeta=dict(service.get("NodeMeta") or {}),
            ServiceMeta=dict(service.get("ServiceMeta") or {}),
            IgnoreCheckIDs=list(service.get("IgnoreCheckIDs") or []),
        ),
        DNS=dict(TTL=normalized_ttl((query.get("DNS") or {}).get("TTL"))),
    )


def main():
    module = ConsulModule(argument_spec=dict(
        name=dict(type="str", required=True),
        service=dict(type="str"),
        tags=dict(type="list", elements="str", default=[]),
        only_passing=dict(type="bool", default=True),
        near=dict(type="str", default=""),
        failover_nearest_n=dict(type="int", default=0),
        failover_datacenters=dict(type="list", elements="str", default=[]),
        node_meta=dict(type="dict", default={}),
        service_meta=dict(type="dict", default={}),
        ignore_check_ids=dict(type="list", elements="str", default=[]),
        dns_ttl=dict(type="str", default=""),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    ), required_if=[("state", "present", ("service",))])
    params = module.params

    with module.errors():
        desired = None
        if params["state"] == "present":
            if params["failover_nearest_n"] < 0:
                module.fail("failover_nearest_n must be 0 or more, got %s" % params["failover_nearest_n"])
            desired = comparable(dict(
                Name=params["name"],
                Service=dict(Service=params["service"], Tags=params["tags"], OnlyPassing=params["only_passing"],
                             Near=params["near"], NodeMeta=params["node_meta"], ServiceMeta=params["service_meta"],
                             IgnoreCheckIDs=params["ignore_check_ids"],
                             Failover=dict(NearestN=params["failover_nearest_n"],
                                           Datacenters=params["failover_datacenters"])),
                DNS=dict(TTL=normalized_ttl(params["dns_ttl"])),
            ))

        current = next((q for q in module.client.prepared_queries() if q.get("Name") == params["name"]), None)
        query_id = current["ID"] if current else None
        if module.change(comparable(current) if current else None, desired):
            if desired and current:
                module.apply(module.client.update_prepared_query, query_id, desired)
            elif desired:
                query_id = (module.apply(module.client.create_prepared_query, desired) or {}).get("ID")
            else:
                module.apply(module.client.delete_prepared_query, query_id)

    if desired:
        module.result["query"] = desired
        if query_id:
            module.result["query_id"] = query_id
    module.exit()


if __name__ == "__main__":
    main()
