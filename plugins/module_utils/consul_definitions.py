# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired-state model of Consul services and checks: option specs, validation, normalisation.

Why fingerprints: Consul (1.8 at least) never returns a check's definition -- /v1/agent/checks
shows ``"Definition": {}`` -- so interval, target, timeout and thresholds cannot be read back.
Every check this collection registers carries a fingerprint of its normalised definition at the
end of its Notes, which the agent does return. A check is unchanged when its readable fields and
its fingerprint match the desired ones; a check someone else re-registered loses the fingerprint
and is therefore replaced. Services are fully readable and are compared field by field.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import hmac
import json
import re

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.six import string_types

from ansible_collections.discovery.consul_dns.plugins.module_utils.dns_names import is_dns_label, is_host

# Service meta key through which consul_services marks the services it owns (for purge).
SET_META_KEY = "consul_dns_set"
# An agent syncs a service to the catalog with the token it was registered with, for as long as it
# keeps the service: a registration under another token (a new one, after the old was deleted) is
# a change, or the service would stay blocked by ACLs. The token is told apart by a keyed digest.
TOKEN_META_KEY = "consul_dns_token"

# Marker at the end of a check's Notes: "[consul_dns:<fp>]" for a check declared inline with its
# service (consul_service, consul_services), "[consul_dns:check:<fp>]" for a standalone check
# (consul_check). The owner part keeps a service's re-registration from removing standalone checks.
FINGERPRINT_RE = re.compile(r"(?:^|\n)\[consul_dns:((?:check:)?[0-9a-f]{16})\]$")
STANDALONE_PREFIX = "check:"

CHECK_OPTIONS = dict(
    check_id=dict(type="str", aliases=["id"]),
    name=dict(type="str"),
    notes=dict(type="str"),
    status=dict(type="str", choices=["passing", "warning", "critical"]),
    tcp=dict(type="str"),
    http=dict(type="str"),
    method=dict(type="str"),
    header=dict(type="dict", no_log=True),
    body=dict(type="str", no_log=True),
    tls_skip_verify=dict(type="bool", default=False),
    tls_server_name=dict(type="str"),
    grpc=dict(type="str"),
    grpc_use_tls=dict(type="bool", default=False),
    args=dict(type="list", elements="str"),
    docker_container_id=dict(type="str"),
    shell=dict(type="str"),
    ttl=dict(type="str"),
    alias_service=dict(type="str"),
    alias_node=dict(type="str"),
    interval=dict(type="str"),
    timeout=dict(type="str"),
    success_before_passing=dict(type="int", default=0, no_log=False),
    failures_before_critical=dict(type="int", default=0),
    deregister_critical_service_after=dict(type="str"),
)

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

# Which options each check type accepts besides the type's own target option(s).
_TYPE_TARGETS = {
    "tcp": ("tcp",),
    "http": ("http",),
    "grpc": ("grpc",),
    "script": ("args",),
    "docker": ("docker_container_id", "args"),
    "ttl": ("ttl",),
    "alias": ("alias_service", "alias_node"),
}
_NEEDS_INTERVAL = ("tcp", "http", "grpc", "script", "docker")
_TYPE_ONLY_OPTIONS = {
    "timeout": ("tcp", "http", "grpc", "script"),
    "method": ("http",),
    "header": ("http",),
    "body": ("http",),
    "tls_server_name": ("http", "grpc"),
    "tls_skip_verify": ("http", "grpc"),
    "grpc_use_tls": ("grpc",),
    "shell": ("docker",),
}
# option name -> Consul API field
_API_FIELDS = dict(
    check_id="CheckID", name="Name", status="Status", tcp="TCP", http="HTTP", method="Method",
    header="Header", body="Body", tls_skip_verify="TLSSkipVerify", tls_server_name="TLSServerName",
    grpc="GRPC", grpc_use_tls="GRPCUseTLS", args="Args", docker_container_id="DockerContainerID",
    shell="Shell", ttl="TTL", alias_service="AliasService", alias_node="AliasNode", interval="Interval",
    timeout="Timeout", success_before_passing="SuccessBeforePassing",
    failures_before_critical="FailuresBeforeCritical",
    deregister_critical_service_after="DeregisterCriticalServiceAfter",
)
_DURATIONS = ("interval", "timeout", "ttl", "deregister_critical_service_after")
_META_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


class DefinitionError(ValueError):
    """Invalid desired state; the message names the offending option."""


# Durations --------------------------------------------------------------------------------------

_UNIT_NS = {"ns": 1, "us": 10 ** 3, u"\u00b5s": 10 ** 3, "ms": 10 ** 6, "s": 10 ** 9, "m": 60 * 10 ** 9, "h": 3600 * 10 ** 9}
_DURATION_PART = re.compile(u"([0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(ns|us|\u00b5s|ms|s|m|h)")


def parse_duration(value, option):
    """A Go duration string ('1s', '1m30s', '1500ms') as integer nanoseconds."""
    if isinstance(value, bool) or not isinstance(value, string_types + (int,)):
        raise DefinitionError("%s: %r is not a duration" % (option, value))
    text = str(value).strip()
    if text == "0":
        return 0
    if re.match(r"^[0-9.]+$", text):
        raise DefinitionError("%s: %r has no unit; write it as a duration such as %ss or %sms" % (option, value, text, text))
    pos, total = 0, 0
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            break
        number, unit = match.groups()
        whole, _dot, frac = number.partition(".")
        scale = _UNIT_NS[unit]
        total += int(whole or 0) * scale + (int(frac) * scale // 10 ** len(frac) if frac else 0)
        pos = match.end()
    if pos != len(text) or not text:
        raise DefinitionError("%s: %r is not a duration (examples: 10s, 1m30s, 500ms)" % (option, value))
    return total


def format_duration(nanoseconds):
    """Go's time.Duration.String() ('1m0s', '1.5s', '500ms'), the form Consul itself prints."""
    if nanoseconds == 0:
        return "0s"
    if nanoseconds < 10 ** 9:
        for unit, size in (("ms", 10 ** 6), ("us", 10 ** 3), ("ns", 1)):
            if nanoseconds >= size:
                return _fraction(nanoseconds, size) + unit
    hours, rest = divmod(nanoseconds, 3600 * 10 ** 9)
    minutes, rest = divmod(rest, 60 * 10 ** 9)
    text = "%dh" % hours if hours else ""
    if hours or minutes:
        text += "%dm" % minutes
    return text + _fraction(rest, 10 ** 9) + "s"


def _fraction(value, size):
    whole, part = divmod(value, size)
    if not part:
        return str(whole)
    digits = len(str(size)) - 1
    return ("%d.%0*d" % (whole, digits, part)).rstrip("0")


# Checks ------------------------------------------------------------------------------------------

def check_type(params, where):
    """The Consul check type the options describe ('tcp', 'http', ...), exactly one."""
    found = []
    if params.get("docker_container_id"):
        found.append("docker")
    elif params.get("args"):
        found.append("script")
    for kind in ("tcp", "http", "grpc", "ttl"):
        if params.get(kind):
            found.append(kind)
    if params.get("alias_service") or params.get("alias_node"):
        found.append("alias")
    if len(found) != 1:
        given = ", ".join(found) if found else "none"
        raise DefinitionError(
            "%sgive exactly one check type: tcp, http, grpc, args (script), docker_container_id (with args), "
            "ttl or alias_service/alias_node (given: %s)" % (where, given)
        )
    return found[0]


def normalize_check(params, where="", service_bound=False, default_id=None, default_name=None):
    """Validate one check's options and return its Consul API definition (CamelCase keys).

    ``where`` prefixes messages ('checks[1]: ') so the operator sees which check is wrong.
    """
    params = dict(params)
    kind = check_type(params, where)
    for option, kinds in _TYPE_ONLY_OPTIONS.items():
        value = params.get(option)
        if value not in (None, False, {}, "") and kind not in kinds:
            raise DefinitionError("%s%s is only valid for %s checks, not %s" % (where, option, " and ".join(kinds), kind))
    if kind == "docker" and not params.get("args"):
        raise DefinitionError("%sa docker check needs args: the command to run in the container" % where)
    if kind in _NEEDS_INTERVAL and not params.get("interval"):
        raise DefinitionError("%sinterval is required for %s checks" % (where, kind))
    if kind not in _NEEDS_INTERVAL and params.get("interval"):
        raise DefinitionError(
            "%sinterval cannot be used with %s checks (%s)" % (
                where, kind, "the service reports through the TTL endpoint" if kind == "ttl" else "it follows another check"))
    if params.get("deregister_critical_service_after") and not service_bound:
        raise DefinitionError("%sderegister_critical_service_after needs a check bound to a service (service_id)" % where)
    for option in ("success_before_passing", "failures_before_critical"):
        if (params.get(option) or 0) < 0:
            raise DefinitionError("%s%s must be 0 or more, got %s" % (where, option, params[option]))

    for option in _DURATIONS:
        if params.get(option) in (None, ""):
            params[option] = None
            continue
        nanoseconds = parse_duration(params[option], where + option)
        if nanoseconds <= 0:
            raise DefinitionError("%s%s must be longer than 0, got %r" % (where, option, params[option]))
        if option == "interval" and nanoseconds < 10 ** 9:
            raise DefinitionError(
                "%sinterval must be at least 1s, got %r (Consul silently raises shorter intervals to 1s)" % (where, params[option]))
        params[option] = format_duration(nanoseconds)

    if params.get("header"):
        params["header"] = dict(
            (str(key), [str(v) for v in (value if isinstance(value, list) else [value])])
            for key, value in params["header"].items()
        )
    if params.get("method"):
        params["method"] = params["method"].upper()

    params["check_id"] = params.get("check_id") or default_id or params.get("name")
    params["name"] = params.get("name") or default_name or params["check_id"]
    if not params["check_id"]:
        raise DefinitionError("%scheck_id or name is required" % where)

    definition = {}
    for option, field in _API_FIELDS.items():
        value = params.get(option)
        # unset, false and zero are Consul's own defaults: leaving them out keeps fingerprints stable
        if value in (None, False, 0, "", [], {}):
            continue
        definition[field] = value
    if params.get("notes"):
        definition["Notes"] = params["notes"]
    return definition


# Fields that may hold secrets (an Authorization header, a token in a body): never in results, and
# in the fingerprint only through a keyed, deliberately slow digest, because Notes -- where the
# fingerprint is stored -- are readable by every holder of a service read token (DNS included).
SECRET_FIELDS = ("Header", "Body")
_SECRET_DIGEST_ROUNDS = 100000


def _secret_digest(definition, key):
    secrets = dict((field, definition[field]) for field in SECRET_FIELDS if field in definition)
    if not secrets:
        return None
    payload = json.dumps(secrets, sort_keys=True, separators=(",", ":")).encode("utf-8")
    salt = ("%s\n%s\n%s" % (key or "", definition.get("ServiceID", ""), definition["CheckID"])).encode("utf-8")
    return hashlib.pbkdf2_hmac("sha256", payload, salt, _SECRET_DIGEST_ROUNDS).hex()


def fingerprint(definition, key=""):
    """A short, stable hash of a normalised check definition (everything but its Notes marker).

    ``key`` (the module's ACL token) keys the digest of the secret fields, so the fingerprint
    cannot be used to guess a header or body by someone without the token.
    """
    public = dict((field, value) for field, value in definition.items() if field not in SECRET_FIELDS)
    digest = _secret_digest(definition, key)
    if digest:
        public["SecretDigest"] = digest
    payload = json.dumps(public, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def owned_fingerprint(definition, standalone=False, key=""):
    """The fingerprint token as stored in Notes, with the owner prefix of standalone checks."""
    return (STANDALONE_PREFIX if standalone else "") + fingerprint(definition, key)


def with_fingerprint(definition, standalone=False, key=""):
    """The definition to send: its Notes end with the fingerprint marker."""
    marked = dict(definition)
    marker = "[consul_dns:%s]" % owned_fingerprint(definition, standalone, key)
    marked["Notes"] = definition["Notes"] + "\n" + marker if definition.get("Notes") else marker
    return marked


def without_secrets(definition):
    """A check definition fit for module results: secret fields' values masked."""
    shown = dict(definition)
    if "Header" in shown:
        shown["Header"] = dict((name, ["********"]) for name in shown["Header"])
    if "Body" in shown:
        shown["Body"] = "********"
    return shown


def secret_values(definition):
    """Every secret string of a check definition, for AnsibleModule.no_log_values."""
    values = set(value for values in (definition.get("Header") or {}).values() for value in values)
    if definition.get("Body"):
        values.add(definition["Body"])
    return values


def split_notes(notes):
    """(operator's notes, fingerprint or None) from a check's Notes as read from the agent."""
    notes = notes or ""
    match = FINGERPRINT_RE.search(notes)
    if not match:
        return notes, None
    return notes[:match.start()], match.group(1)


def check_summary(definition, standalone=False, key=""):
    """The readable-back view of a desired check definition, comparable with observed_check()."""
    return {
        "CheckID": definition["CheckID"],
        "Name": definition["Name"],
        "Type": _type_of_definition(definition),
        "ServiceID": definition.get("ServiceID", ""),
        "Notes": definition.get("Notes", ""),
        "Fingerprint": owned_fingerprint(definition, standalone, key),
    }


def observed_check(agent_check):
    """The readable view of a check as /v1/agent/checks returns it."""
    notes, fp = split_notes(agent_check.get("Notes"))
    return {
        "CheckID": agent_check["CheckID"],
        "Name": agent_check.get("Name", ""),
        "Type": agent_check.get("Type", ""),
        "ServiceID": agent_check.get("ServiceID", ""),
        "Notes": notes,
        "Fingerprint": fp,
    }


def _type_of_definition(definition):
    for field, kind in (("DockerContainerID", "docker"), ("Args", "script"), ("TCP", "tcp"), ("HTTP", "http"),
                        ("GRPC", "grpc"), ("TTL", "ttl"), ("AliasService", "alias"), ("AliasNode", "alias")):
        if field in definition:
            return kind
    return ""


# Services ----------------------------------------------------------------------------------------

def validate_options(spec, params, where):
    """Validate a nested dict (list element) against an option spec, naming it in errors."""
    result = ArgumentSpecValidator(spec).validate(params)
    if result.error_messages:
        raise DefinitionError("%s%s" % (where, "; ".join(result.error_messages)))
    return result.validated_parameters


def check_dns_safe(params, where=""):
    """Refuse what Consul's DNS cannot serve, or could be made to serve as something else: the
    name, ID and tags must be RFC 1123 labels, the address an IP address or a DNS name."""
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
    if address and not is_host(address):
        raise DefinitionError("%saddress %r is neither an IP address nor a DNS name" % (where, address))


def normalize_service(params, where="", set_name=None):
    """Validate a service's options; return its registration (CamelCase, with normalised Checks)."""
    check_dns_safe(params, where)
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
        "Address": params.get("address") or "",
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


def desired_service_state(registration, key=""):
    """The comparable view of a desired registration (checks reduced to what Consul returns)."""
    state = dict((k, v) for k, v in _with_token_digest(registration, key).items() if k != "Checks")
    state["Checks"] = sorted(
        (dict(check_summary(c, key=key), ServiceID=registration["ID"]) for c in registration["Checks"]),
        key=lambda c: c["CheckID"],
    )
    return state


def observed_service_state(agent_service, agent_checks):
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
            (observed_check(c) for c in agent_checks.values()
             if c.get("ServiceID") == service_id and not is_standalone(c)),
            key=lambda c: c["CheckID"],
        ),
    }


def is_standalone(agent_check):
    """Whether consul_check registered this check (so a service's definition does not own it)."""
    return (split_notes(agent_check.get("Notes"))[1] or "").startswith(STANDALONE_PREFIX)


def dropped_check_ids(before, after):
    """IDs of the checks a service had that its new definition no longer declares."""
    keep = set(c["CheckID"] for c in after["Checks"])
    return sorted(c["CheckID"] for c in (before or {}).get("Checks", []) if c["CheckID"] not in keep)


def service_to_send(registration, key=""):
    """The registration with every check's Notes carrying its fingerprint."""
    sent = _with_token_digest(registration, key)
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
