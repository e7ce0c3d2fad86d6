# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ACL tokens identified by their description: the desired definition and the comparable view, shared by
consul_acl_token (one token) and consul_acl_tokens (many in one task)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# the options of one token, as both modules take them
TOKEN_OPTIONS = dict(
    description=dict(type="str", required=True),
    policies=dict(type="list", elements="str", default=[]),
    node_identities=dict(type="list", elements="dict", default=[], options=dict(
        node_name=dict(type="str", required=True), datacenter=dict(type="str", required=True))),
    service_identities=dict(type="list", elements="str", default=[]),
    service_identity_datacenters=dict(type="list", elements="str", default=[]),
    append_service_identities=dict(type="bool", default=False),
    local=dict(type="bool", default=False),
)


def desired_token(spec, current=None):
    """Consul's definition of the token ``spec`` (the options above) asks for; with
    append_service_identities, the service identities ``current`` has besides keep."""
    desired = dict(
        Description=spec["description"],
        Policies=[dict(Name=name) for name in spec.get("policies") or []],
        NodeIdentities=[dict(NodeName=n["node_name"], Datacenter=n["datacenter"]) for n in spec.get("node_identities") or []],
        ServiceIdentities=[service_identity(name, spec.get("service_identity_datacenters")) for name in spec.get("service_identities") or []],
        Local=bool(spec.get("local")),
    )
    if current and spec.get("append_service_identities"):
        declared = set(s["ServiceName"] for s in desired["ServiceIdentities"])
        desired["ServiceIdentities"] += [s for s in current.get("ServiceIdentities") or [] if s["ServiceName"] not in declared]
    return desired


def service_identity(name, datacenters):
    identity = dict(ServiceName=name)
    if datacenters:
        identity["Datacenters"] = sorted(set(datacenters))
    return identity


def comparable(token):
    """The fields the modules manage; never the secret."""
    return dict(
        Description=token.get("Description") or "",
        Policies=sorted(p["Name"] for p in token.get("Policies") or []),
        NodeIdentities=sorted(((n["NodeName"], n["Datacenter"]) for n in token.get("NodeIdentities") or [])),
        ServiceIdentities=sorted(((s["ServiceName"], sorted(s.get("Datacenters") or []))
                                  for s in token.get("ServiceIdentities") or [])),
        Local=bool(token.get("Local")),
    )


def by_description(listed, description):
    """The one listed token carrying ``description`` (None when none does); ValueError when several do."""
    found = [token for token in listed if token.get("Description") == description]
    if len(found) > 1:
        raise ValueError("description %r: %d tokens carry it (accessor IDs %s); make it unique" % (
            description, len(found), ", ".join(token["AccessorID"] for token in found)))
    return found[0] if found else None


def read_token(client, listed, description):
    """The whole token carrying ``description`` among the ``listed`` ones (the listing holds no secret), or None."""
    stub = by_description(listed, description)
    return client.acl_read("token", stub["AccessorID"]) if stub else None


def ensure_token(module, current, spec, key=None):
    """Make the token ``spec`` asks for out of ``current`` (None: a new one) through ``module`` (a
    ConsulModule: change recorded, nothing written in check mode); returns (token, comparable view, changed)."""
    desired = desired_token(spec, current)
    after = comparable(desired)
    changed = module.change(comparable(current) if current else None, after, key=key)
    token = current
    if changed:
        token = module.apply(module.client.acl_write, "token", desired, current["AccessorID"] if current else None) or current
    return token, after, changed
