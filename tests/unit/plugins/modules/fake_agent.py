"""A Consul 1.8 agent's services and checks behind the ConsulClient methods the service and check
modules call (a helper module, like module_run): what /v1/agent/services and /v1/agent/checks return
-- no token, no check definition, only Notes -- and every call that changes the agent, in order."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy


def consul_type(definition):
    """The Type /v1/agent/checks shows for a registered definition, as Consul decides it."""
    for field, kind in (("TTL", "ttl"), ("DockerContainerID", "docker"), ("Args", "script"), ("HTTP", "http"),
                        ("TCP", "tcp"), ("GRPC", "grpc"), ("AliasNode", "alias"), ("AliasService", "alias")):
        if field in definition:
            return kind
    return ""


class FakeAgent(object):

    url = "http://127.0.0.1:8500"

    def __init__(self):
        self.services = {}
        self.checks = {}
        self.calls = []     # (method, argument) of every call that changes the agent

    # reads
    def agent_services(self):
        return copy.deepcopy(self.services)

    def agent_service(self, service_id):
        return copy.deepcopy(self.services.get(service_id))

    def agent_checks(self):
        return copy.deepcopy(self.checks)

    # writes
    def register_service(self, registration):
        self.calls.append(("register_service", copy.deepcopy(registration)))
        self.services[registration["ID"]] = dict(
            ID=registration["ID"], Service=registration["Name"], Address=registration["Address"],
            Port=registration["Port"], Tags=list(registration["Tags"]), Meta=dict(registration["Meta"]),
            Weights=dict(registration["Weights"]), EnableTagOverride=registration["EnableTagOverride"])
        for check in registration["Checks"]:
            self._store_check(dict(check, ServiceID=registration["ID"]))

    def deregister_service(self, service_id):
        self.calls.append(("deregister_service", service_id))
        self.services.pop(service_id)
        for check_id in [c for c, check in self.checks.items() if check["ServiceID"] == service_id]:
            del self.checks[check_id]

    def register_check(self, definition):
        self.calls.append(("register_check", copy.deepcopy(definition)))
        self._store_check(definition)

    def deregister_check(self, check_id):
        self.calls.append(("deregister_check", check_id))
        self.checks.pop(check_id)

    def _store_check(self, definition):
        self.checks[definition["CheckID"]] = dict(
            CheckID=definition["CheckID"], Name=definition["Name"], Notes=definition.get("Notes", ""),
            Type=consul_type(definition), ServiceID=definition.get("ServiceID", ""), Status="critical")

    def written(self):
        """The calls as (method, ID)."""
        return [(method, arg if isinstance(arg, str) else arg.get("ID", arg.get("CheckID"))) for method, arg in self.calls]
