# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired-state model of Consul services: option specs, validation, normalisation, and the
comparable views of a desired and an observed service (checks: check_definitions.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import hmac
import re

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.discovery.consul_dns.plugins.module_utils.check_definitions import (
    CHECK_OPTIONS,
    comparable_check,
    comparable_observed_check,
    is_standalone,
    normalize_check,
    secret_values,
    with_fingerprint,
    without_secrets,
)
from ansible_collections.discovery.consul_dns.plugins.module_utils.dns_names import is_dns_label, parse_host
from ansible_collections.discovery.consul_dns.plugins.module_utils.durations import DefinitionError

# Service meta key through which consul_services marks the services it owns (for purge).
SET_META_KEY = "consul_dns_set"
# An agent syncs a service to the catalog with the token it was registered with, for as long as it
# keeps the service: a registration under another token (a new one, after the old was deleted) is
# a change, or the service would stay blocked by ACLs. The token is told apart by a keyed digest.
TOKEN_META_KEY = "consul_dns_token"

SERVICE_OPTIONS = dict(
    name=dict(type="str", required=True),
    id=dict(type="str", aliases=["service_id"]),
    address=dict(type="str"),
    # not "port": that is the Consul API's port among the connection options
    service_port=dict(type="int"),
    tags=dict(type="list", elements="str", default=[]),
    meta=dict(type="dict", default={}),
    enable_tag_override=dict(type="bool", default=False),
    weights=dict(
        type="dict",
        options=dict(passing=dict(type="int", default=1, no_log=False), warning=dict(type="int", default=1)),
    ),
    checks=dict(type="list", elements="dict", default=[]),
)

_META_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}\Z")


# Services ----------------------------------------------------------------------------------------

def validate_options(spec, params, where):
    """Validate a nested dict (list element) against an option spec, naming it in errors."""
    result = ArgumentSpecValidator(spec).validate(params)
    if result.error_messages:
        raise DefinitionError("%s%s" % (where, "; ".join(result.error_messages)))
    return result.validated_parameters


def check_dns_safe(params, where=""):
    """Refuse what Consul's DNS cannot serve, or could be made to serve as something else: the
    name, ID and tags must be RFC 1123 labels, the address an IP address (strict text, see
    dns_names.parse_ip_address) or a DNS name. Returns the address to register: an IP address in
    canonical form, a name as given, '' for none."""
    for option in ("name", "id"):
        value = params.get(option)
        if value is not None and not is_dns_label(value):
            raise DefinitionError(
                "%s%s %r is not a DNS label: use up to 63 letters, digits and '-', not starting or ending with '-'"
                % (where, option, value))
    for index, tag in enumerate(params.get("tags") or []):
        if not is_dns_label(tag):
            raise DefinitionError(
                "%stags[%d] %r is not a DNS label: use up to 63 letters, digits and '-', not starting or ending with '-'"
                % (where, index, tag))
    address = params.get("address")
    if not address:
        return ""
    host = parse_host(address)
    if host is None:
        raise DefinitionError("%saddress %r is neither an IP address nor a DNS name" % (where, address))
    return host


def normalize_service(params, where="", set_name=None):
    """Validate a service's options; return its registration (CamelCase, with normalised Checks)."""
    address = check_dns_safe(params, where)
    service_id = params.get("id") or params["name"]
    port = params.get("service_port")
    if port is not None and not 0 <= port <= 65535:
        raise DefinitionError("%sservice_port must be between 0 and 65535, got %s" % (where, port))
    meta = dict((str(k), "" if v is None else str(v)) for k, v in (params.get("meta") or {}).items())
    for key, value in meta.items():
        if not _META_KEY_RE.match(key) or key.startswith("consul-"):
            raise DefinitionError(
                "%smeta key %r is invalid: use up to 128 letters, digits, '_' or '-', not starting with 'consul-'" % (where, key))
        if len(value) > 512:
            raise DefinitionError("%smeta[%s] is longer than Consul's 512 characters" % (where, key))
        if key in (SET_META_KEY, TOKEN_META_KEY):
            raise DefinitionError("%smeta key %s is reserved for the collection's modules" % (where, key))
    if set_name:
        meta[SET_META_KEY] = set_name
    if len(meta) > 64:
        raise DefinitionError("%smeta has %d keys, Consul allows 64" % (where, len(meta)))
    weights = params.get("weights") or {}
    weights = {"Passing": weights.get("passing", 1), "Warning": weights.get("warning", 1)}
    if weights["Passing"] < 1 or weights["Warning"] < 0:
        raise DefinitionError("%sweights.passing must be 1 or more and weights.warning 0 or more" % where)

    raw_checks = params.get("checks") or []
    checks = []
    for index, raw in enumerate(raw_checks):
        check_where = "%schecks[%d]: " % (where, index)
        if not isinstance(raw, dict):
            raise DefinitionError("%sa check must be a dictionary of options" % check_where)
        # Consul's own default IDs and names, made explicit so they can be compared when read back
        default_id = "service:%s" % service_id + (":%d" % (index + 1) if len(raw_checks) > 1 else "")
        checks.append(normalize_check(
            validate_options(CHECK_OPTIONS, raw, check_where), check_where, service_bound=True,
            default_id=default_id, default_name="Service '%s' check" % params["name"]))
    ids = [c["CheckID"] for c in checks]
    if len(set(ids)) != len(ids):
        raise DefinitionError("%schecks: check IDs must be unique, got %s" % (where, ", ".join(ids)))

    return {
        "ID": service_id,
        "Name": params["name"],
        "Address": address,
        "Port": port or 0,
        "Tags": list(params.get("tags") or []),
        "Meta": meta,
        "Weights": weights,
        "EnableTagOverride": bool(params.get("enable_tag_override")),
        "Checks": checks,
    }


def _with_token_digest(registration, key):
    """The registration with the digest of the token it is sent with in its Meta (none without a
    token). An HMAC of the service ID: the token is random, so the digest tells nothing of it."""
    if not key:
        return registration
    marked = dict(registration)
    digest = hmac.new(key.encode("utf-8"), registration["ID"].encode("utf-8"), hashlib.sha256).hexdigest()[:16]
    marked["Meta"] = dict(registration["Meta"], **{TOKEN_META_KEY: digest})
    return marked


def comparable_service(registration, key=""):
    """The comparable view of a desired registration (checks reduced to what Consul returns)."""
    state = dict((k, v) for k, v in _with_token_digest(registration, key).items() if k != "Checks")
    state["Checks"] = sorted(
        (dict(comparable_check(c, key=key), ServiceID=registration["ID"]) for c in registration["Checks"]),
        key=lambda c: c["CheckID"],
    )
    return state


def comparable_observed_service(agent_service, agent_checks):
    """The comparable view of a service as the agent returns it (/v1/agent/services + checks)."""
    service_id = agent_service["ID"]
    return {
        "ID": service_id,
        "Name": agent_service.get("Service", ""),
        "Address": agent_service.get("Address") or "",
        "Port": agent_service.get("Port") or 0,
        "Tags": list(agent_service.get("Tags") or []),
        "Meta": dict(agent_service.get("Meta") or {}),
        "Weights": dict(agent_service.get("Weights") or {"Passing": 1, "Warning": 1}),
        "EnableTagOverride": bool(agent_service.get("EnableTagOverride")),
        "Checks": sorted(
            (comparable_observed_check(c) for c in agent_checks.values()
             if c.get("ServiceID") == service_id and not is_standalone(c)),
            key=lambda c: c["CheckID"],
        ),
    }


def dropped_check_ids(before, after):
    """IDs of the checks a service had that its new definition no longer declares."""
    keep = set(c["CheckID"] for c in after["Checks"])
    return sorted(c["CheckID"] for c in (before or {}).get("Checks", []) if c["CheckID"] not in keep)


def service_to_send(registration, key=""):
    """The registration with every check's Notes carrying its fingerprint (a copy: the registration
    itself is left as it was, for the comparison and the result)."""
    sent = dict(_with_token_digest(registration, key))
    sent["Checks"] = [with_fingerprint(c, key=key) for c in registration["Checks"]]
    return sent


def service_for_result(registration):
    """A registration fit for module results: its checks' secret fields masked."""
    shown = dict(registration)
    shown["Checks"] = [without_secrets(c) for c in registration["Checks"]]
    return shown


def registration_secrets(registration):
    """Every secret string of a registration's checks (for AnsibleModule.no_log_values)."""
    return set(value for check in registration["Checks"] for value in secret_values(check))
