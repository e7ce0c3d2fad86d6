# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that turn the dnsmasq role's settings into what its templates write."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible.errors import AnsibleFilterError

from ansible_collections.discovery.consul_dns.plugins.module_utils.dns_names import parse_ip_network


def alias_targets(aliases, domain):
    """Each alias with ``target``: the local name dnsmasq answers its CNAME with (``[tag.]service.alias.<domain>``)."""
    result = []
    for alias in aliases:
        labels = [alias[key] for key in ("tag", "service") if alias.get(key)]
        result.append(dict(alias, target=".".join(labels + ["alias", domain])))
    return result


def alias_watches(aliases, domain, handler):
    """One Consul service watch per alias target (service and tag), running the alias handler with the
    arguments that name its hosts file and how to reach this host's agent."""
    watches, seen = [], set()
    for alias in alias_targets(aliases, domain):
        if alias["target"] in seen:
            continue
        seen.add(alias["target"])
        args = [handler["python"], handler["path"],
                "--file", "%s/%s.hosts" % (handler["alias_dir"].rstrip("/"), alias["target"]),
                "--name", alias["target"], "--service", alias["service"], "--tag", alias.get("tag") or "",
                "--api-url", handler["api_url"], "--ca-file", handler.get("ca_file") or "",
                "--client-cert", handler.get("client_cert") or "", "--client-key", handler.get("client_key") or ""]
        if handler.get("token_file"):
            args += ["--token-file", handler["token_file"]]
        watches.append(dict(service=alias["service"], tag=alias.get("tag") or "", passingonly=True, args=args))
    return watches


def aliases_of(aliases, service, tags=None):
    """The aliases that answer an instance of ``service`` with ``tags``: untagged ones, and those
    whose tag the instance has."""
    return [alias for alias in aliases
            if alias.get("service") == service and (not alias.get("tag") or alias["tag"] in (tags or []))]


def reverse_zone(cidr):
    """``10.1.88.0/24`` -> ``88.1.10.in-addr.arpa``: the zone of an IPv4 network on an octet boundary."""
    canonical = parse_ip_network(cidr, strict=False)
    if canonical is None:
        raise AnsibleFilterError("reverse_zone: %r is not a network in CIDR form" % (cidr,))
    network = ipaddress.ip_network(canonical)
    if network.version != 4 or network.prefixlen not in (8, 16, 24):
        raise AnsibleFilterError("reverse_zone: %s is not an IPv4 network ending in /8, /16 or /24" % cidr)
    labels = network.network_address.reverse_pointer.split(".")
    return ".".join(labels[4 - network.prefixlen // 8:])


class FilterModule(object):
    def filters(self):
        return {"alias_targets": alias_targets, "alias_watches": alias_watches, "aliases_of": aliases_of,
                "reverse_zone": reverse_zone}
