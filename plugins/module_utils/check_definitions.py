# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired-state model of Consul checks: option specs, check types, validation, normalisation, fingerprints.

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

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.collections import is_iterable
from ansible.module_utils.six import binary_type, integer_types, text_type

from ansible_collections.discovery.consul_dns.plugins.module_utils.durations import (
    DefinitionError,
    format_duration,
    parse_duration,
)

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


class CheckType(object):
    """One kind of check: the options that select it, whether it runs on an interval, and the
    options only it accepts (besides the common ones)."""

    def __init__(self, name, selected_by, needs_interval, own_options=()):
        self.name = name
        self.selected_by = selected_by
        self.needs_interval = needs_interval
        self.own_options = own_options


# In the order messages name them. A docker check runs its args in the container, so args select a
# script check only without docker_container_id.
CHECK_TYPES = (
    CheckType("tcp", ("tcp",), True, ("timeout",)),
    CheckType("http", ("http",), True, ("timeout", "method", "header", "body", "tls_server_name", "tls_skip_verify")),
    CheckType("grpc", ("grpc",), True, ("timeout", "tls_server_name", "tls_skip_verify", "grpc_use_tls")),
    CheckType("script", ("args",), True, ("timeout",)),
    CheckType("docker", ("docker_container_id",), True, ("shell",)),
    CheckType("ttl", ("ttl",), False),
    CheckType("alias", ("alias_service", "alias_node"), False),
)
_CHECK_TYPES_BY_NAME = dict((kind.name, kind) for kind in CHECK_TYPES)
# option -> the types that accept it, for the options some types only accept
_TYPE_ONLY_OPTIONS = dict(
    (option, tuple(kind.name for kind in CHECK_TYPES if option in kind.own_options))
    for kind in CHECK_TYPES for option in kind.own_options)


def _types_selected(present):
    """The check types whose selecting options ``present`` (a predicate on option names) finds."""
    found = [kind.name for kind in CHECK_TYPES if any(present(option) for option in kind.selected_by)]
    if "docker" in found and "script" in found:
        found.remove("script")
    return found


def check_type(params, where):
    """The Consul check type the options describe ('tcp', 'http', ...), exactly one."""
    found = _types_selected(params.get)
    if len(found) != 1:
        given = ", ".join(found) if found else "none"
        raise DefinitionError(
            "%sgive exactly one check type: tcp, http, grpc, args (script), docker_container_id (with args), "
            "ttl or alias_service/alias_node (given: %s)" % (where, given)
        )
    return found[0]


def type_of_definition(definition):
    """The check type of a definition in Consul's API form ('' when it names none)."""
    found = _types_selected(lambda option: _API_FIELDS[option] in definition)
    return found[0] if found else ""


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
    needs_interval = _CHECK_TYPES_BY_NAME[kind].needs_interval
    if needs_interval and not params.get("interval"):
        raise DefinitionError("%sinterval is required for %s checks" % (where, kind))
    if not needs_interval and params.get("interval"):
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
    cannot be used to guess a header or body by someone without the token. It is in the fingerprint
    of every check: the agent syncs a check with the token it was registered with, so a check under
    another token (the old one deleted) must be registered again, as a service is (service_definitions).
    """
    public = dict((field, value) for field, value in definition.items() if field not in SECRET_FIELDS)
    digest = _secret_digest(definition, key)
    if digest:
        public["SecretDigest"] = digest
    elif key:
        # an HMAC of the check's identity: the token is random, so the digest tells nothing of it
        identity = ("%s\n%s" % (definition.get("ServiceID", ""), definition["CheckID"])).encode("utf-8")
        public["TokenDigest"] = hmac.new(key.encode("utf-8"), identity, hashlib.sha256).hexdigest()[:16]
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


_SECRET_OPTIONS = ("header", "body")


def raw_secret_values(params):
    """Every string under a header or body option at any depth of a module's raw parameters
    (checks of a service, services of a set), as given, before any validation.

    Each is also given as Python's repr shows it inside a string: the invocation log writes a
    list of checks as str(list), where a body's newline or backslash is escaped."""
    found = set()

    def leaves(value):
        if isinstance(value, (text_type, binary_type)):
            if value:
                yield value.decode("utf-8", "replace") if isinstance(value, binary_type) else value
        elif isinstance(value, bool) or value is None:
            return
        elif isinstance(value, integer_types + (float,)):
            yield text_type(value)
        elif isinstance(value, dict):
            for item in value.values():
                yield from leaves(item)
        elif is_iterable(value):
            for item in value:
                yield from leaves(item)

    def walk(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key in _SECRET_OPTIONS:
                    found.update(leaves(item))
                else:
                    walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(params)
    for value in list(found):
        found.add(repr(value)[1:-1])
    return found


class CheckSecretsModule(AnsibleModule):
    """An AnsibleModule whose invocation log (syslog or the journal on the target host) never shows
    a check's header or body, at whatever depth the parameters hold them.

    AnsibleModule logs the invocation from its constructor, masking only the values of no_log
    options it knows from the argument spec; checks are lists of dictionaries validated by the
    collection itself (to name checks[i] in errors), so their header and body are not among them.
    The values are added just before the log is written (ansible-core 2.16 to 2.19 call
    _log_invocation there; tests/unit/plugins/modules/test_invocation_log.py proves it)."""

    def _log_invocation(self):
        self.no_log_values.update(raw_secret_values(self.params))
        super(CheckSecretsModule, self)._log_invocation()


def split_notes(notes):
    """(operator's notes, fingerprint or None) from a check's Notes as read from the agent."""
    notes = notes or ""
    match = FINGERPRINT_RE.search(notes)
    if not match:
        return notes, None
    return notes[:match.start()], match.group(1)


def comparable_check(definition, standalone=False, key=""):
    """The comparable view of a desired check: what the agent returns of it, and its fingerprint."""
    return {
        "CheckID": definition["CheckID"],
        "Name": definition["Name"],
        "Type": type_of_definition(definition),
        "ServiceID": definition.get("ServiceID", ""),
        "Notes": definition.get("Notes", ""),
        "Fingerprint": owned_fingerprint(definition, standalone, key),
    }


def comparable_observed_check(agent_check):
    """The comparable view of a check as /v1/agent/checks returns it."""
    notes, fp = split_notes(agent_check.get("Notes"))
    return {
        "CheckID": agent_check["CheckID"],
        "Name": agent_check.get("Name", ""),
        "Type": agent_check.get("Type", ""),
        "ServiceID": agent_check.get("ServiceID", ""),
        "Notes": notes,
        "Fingerprint": fp,
    }


def is_standalone(agent_check):
    """Whether consul_check registered this check (so a service's definition does not own it)."""
    return (split_notes(agent_check.get("Notes"))[1] or "").startswith(STANDALONE_PREFIX)
