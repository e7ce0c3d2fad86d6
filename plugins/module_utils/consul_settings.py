# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The agent settings whose keys the consul role writes into HCL as they are: ports and dns_config.

Only keys Consul 1.8 knows, each with a value of its type, reach the template; anything else is
refused with the variable, the key and the value named. The problems are returned as sentences (an
empty list: nothing wrong), so the role's validate step can say all of them at once.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import hashlib
import json
import re

from ansible.module_utils.six import integer_types, string_types

from ansible_collections.discovery.consul_dns.plugins.module_utils.dns_names import is_dns_label
from ansible_collections.discovery.consul_dns.plugins.module_utils.durations import DefinitionError, parse_duration

# Consul 1.8's `ports` block (config key ports.*); -1 switches a listener off.
PORT_KEYS = ("dns", "http", "https", "grpc", "serf_lan", "serf_wan", "server",
             "sidecar_min_port", "sidecar_max_port", "expose_min_port", "expose_max_port")

_BOOL, _UINT, _DURATION, _SERVICE_TTL, _SOA = "a boolean", "an integer of 0 or more", "a duration", "service_ttl", "soa"

# Consul 1.8's documented `dns_config` block (the open-source keys; prefer_namespace is Enterprise only)
DNS_CONFIG_KEYS = {
    "allow_stale": _BOOL,
    "max_stale": _DURATION,
    "node_ttl": _DURATION,
    "service_ttl": _SERVICE_TTL,
    "udp_answer_limit": _UINT,
    "a_record_limit": _UINT,
    "enable_truncate": _BOOL,
    "only_passing": _BOOL,
    "disable_compression": _BOOL,
    "recursor_timeout": _DURATION,
    "use_cache": _BOOL,
    "cache_max_age": _DURATION,
    "enable_additional_node_meta_txt": _BOOL,
    "soa": _SOA,
}
SOA_KEYS = ("expire", "min_ttl", "refresh", "retry")
_UINT32_MAX = 2 ** 32 - 1


# what consul keygen prints: standard base64 of 32 bytes; Consul takes 16, 24 or 32 (AES-128/192/256)
_GOSSIP_KEY = re.compile(r"\A[A-Za-z0-9+/]+={0,2}\Z")


def is_gossip_key(value):
    """Whether ``value`` is a gossip encryption key Consul takes: standard base64 (ASCII only, padded)
    of 16, 24 or 32 bytes, nothing around it."""
    if not isinstance(value, string_types) or not _GOSSIP_KEY.match(value) or len(value) % 4:
        return False
    try:
        return len(base64.b64decode(value.encode("ascii"), validate=True)) in (16, 24, 32)
    except (binascii.Error, ValueError):
        return False


def gossip_key_digest(key):
    """What stands for a gossip key in a result or a diff: the first 12 hex digits of its SHA-256 digest."""
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def _show(value):
    """A value as the message shows it: JSON, so a newline or a quote is visible, cut when long."""
    try:
        text = json.dumps(value, ensure_ascii=True, sort_keys=True, default=repr)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _integer(value):
    """An int (not a bool, not a string of digits: Consul refuses "8600" for a port); None otherwise."""
    if isinstance(value, integer_types) and not isinstance(value, bool):
        return value
    return None


def _is_duration(value):
    if not isinstance(value, string_types):   # Consul reads durations from strings only
        return False
    try:
        parse_duration(value, "value")
    except DefinitionError:
        return False
    return True


def ports_problems(ports, variable="consul_ports"):
    """What is wrong with a `ports` mapping: unknown keys, values that are no port or -1."""
    if not isinstance(ports, dict):
        return ["%s must be a mapping of Consul's port names to ports, got %s" % (variable, _show(ports))]
    problems = []
    for key in sorted(ports, key=_show):
        value = ports[key]
        if not isinstance(key, string_types) or key not in PORT_KEYS:
            problems.append("%s: unknown key %s (Consul 1.8 knows %s)" % (variable, _show(key), ", ".join(PORT_KEYS)))
            continue
        number = _integer(value)
        if number is None or not -1 <= number <= 65535:
            problems.append("%s.%s must be a port (0 to 65535) or -1 (off), got %s" % (variable, key, _show(value)))
    return problems


def dns_config_problems(dns_config, variable="consul_dns_config"):
    """What is wrong with a `dns_config` mapping: unknown keys, values of the wrong type."""
    if not isinstance(dns_config, dict):
        return ["%s must be a mapping of Consul's dns_config keys, got %s" % (variable, _show(dns_config))]
    problems = []
    for key in sorted(dns_config, key=_show):
        value = dns_config[key]
        kind = DNS_CONFIG_KEYS.get(key) if isinstance(key, string_types) else None
        name = "%s.%s" % (variable, key)
        if kind is None:
            problems.append("%s: unknown key %s (Consul 1.8 knows %s)"
                            % (variable, _show(key), ", ".join(sorted(DNS_CONFIG_KEYS))))
        elif kind == _BOOL and not isinstance(value, bool):
            problems.append("%s must be a boolean, got %s" % (name, _show(value)))
        elif kind == _UINT and (_integer(value) is None or not 0 <= _integer(value) <= _UINT32_MAX):
            problems.append("%s must be an integer of 0 or more, got %s" % (name, _show(value)))
        elif kind == _DURATION and not _is_duration(value):
            problems.append("%s must be a duration such as 0s, 5s or 1m30s, got %s" % (name, _show(value)))
        elif kind == _SERVICE_TTL:
            problems += _service_ttl_problems(value, name)
        elif kind == _SOA:
            problems += _soa_problems(value, name)
    return problems


def _service_ttl_problems(value, name):
    if not isinstance(value, dict):
        return ["%s must be a mapping of service name (or *) to a duration, got %s" % (name, _show(value))]
    problems = []
    for service in sorted(value, key=_show):
        if not (service == "*" or is_dns_label(service)):
            problems.append("%s: key %s must be a service name (a DNS label) or *" % (name, _show(service)))
        elif not _is_duration(value[service]):
            problems.append("%s[%s] must be a duration such as 0s, 5s or 1m30s, got %s"
                            % (name, _show(service), _show(value[service])))
    return problems


def _soa_problems(value, name):
    if not isinstance(value, dict):
        return ["%s must be a mapping of %s to seconds, got %s" % (name, ", ".join(SOA_KEYS), _show(value))]
    problems = []
    for key in sorted(value, key=_show):
        number = _integer(value[key])
        if not isinstance(key, string_types) or key not in SOA_KEYS:
            problems.append("%s: unknown key %s (Consul 1.8 knows %s)" % (name, _show(key), ", ".join(SOA_KEYS)))
        elif number is None or not 0 <= number <= _UINT32_MAX:
            problems.append("%s.%s must be an integer of 0 or more (seconds), got %s" % (name, key, _show(value[key])))
    return problems


_API_PATH_RE = re.compile(r"^/v1/[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*/?\Z")


def is_http_api_path(value):
    """A path of Consul's HTTP API as block_endpoints takes it ('/v1/catalog/register'): /v1/ and
    segments of letters, digits, - and _ (no dot segments, no query, nothing around it)."""
    return isinstance(value, string_types) and len(value) <= 200 and bool(_API_PATH_RE.match(value))
