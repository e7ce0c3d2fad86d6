# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: consul_backends
short_description: The healthy backends of Consul services, for templates and configs
version_added: 0.1.0
description:
  - Returns the instances of each service named in the terms that are healthy right now, to
    template into an nginx upstream, a haproxy backend or an application's configuration.
  - O(via=http) asks the Consul HTTP API (one request per service, health filtered by Consul);
    O(via=dns) resolves SRV and A records over TCP through a resolver you name, such as a dnsmasq
    forwarder or a Consul server's DNS port (TCP because Consul cuts UDP answers to
    C(udp_answer_limit), without saying so unless C(enable_truncate) is on). Both return the same shape.
  - Only instances whose address is an IP address are returned, in its canonical form (C(fd00::1),
    not C(FD00::0001)); any other address (a DNS name, an IPv6 address with a zone ID, an IPv4
    address with leading zeros, or a string crafted to inject lines into the configs built from
    this lookup) is dropped with a warning naming the service and the instance.
  - Several terms return the backends of several services, one flat list; with O(by_service=true)
    one dictionary mapping each service to its list.
extends_documentation_fragment:
  - discovery.consul_dns.connection
  - discovery.consul_dns.connection.plugins
options:
  _terms:
    description: Names of the services.
    type: list
    elements: str
    required: true
  via:
    description: Where the answer comes from.
    type: str
    choices: [http, dns]
    default: http
  tag:
    description:
      - Only instances carrying this tag; a list means all of the tags.
      - With O(via=dns), at most one tag (Consul's DNS interface takes one).
    type: list
    elements: str
    default: []
  near:
    description:
      - Sort by network round-trip time from this node (V(_agent) for the agent asked). O(via=http) only.
    type: str
  node_meta:
    description: Only instances on nodes with this node metadata (all pairs must match). O(via=http) only.
    type: dict
    default: {}
  passing:
    description:
      - V(true) returns instances whose checks all pass; V(false) also returns those with a check
        in warning (Consul's C(?passing) semantics; critical instances are never returned).
      - With O(via=dns), Consul decides from its own C(dns_config.only_passing) setting (the
        collection's role sets it to V(true)); this option is then not used.
    type: bool
    default: true
  format:
    description:
      - V(address) returns the address of each instance (the service address, or the node's when
        the service has none); V(address_port) returns C(host:port) (C([v6]:port) for IPv6),
        C(host) alone for an instance registered without a port;
        V(dict) returns C(node), C(address), C(port), C(tags), C(meta), C(datacenter).
      - With O(via=dns), C(tags) and C(meta) are empty and C(node) is only known for instances
        without an address of their own.
    type: str
    choices: [address, address_port, dict]
    default: address
  order:
    description:
      - V(consul) keeps Consul's order (over HTTP by node name, or by distance with O(near); over DNS
        rotated from one answer to the next); V(shuffle) shuffles;
        V(sorted) sorts by address and port, which keeps generated configs stable between runs.
    type: str
    choices: [consul, shuffle, sorted]
    default: consul
  default:
    description:
      - What a service with no healthy instance contributes instead of nothing (a list is used as is).
    type: raw
  by_service:
    description: Return one dictionary mapping each service to its list of backends.
    type: bool
    default: false
  dns_server:
    description: Resolver for O(via=dns), an IP address.
    type: str
    default: 127.0.0.1
  dns_port:
    description: Port of O(dns_server).
    type: int
    default: 53
  domain:
    description: Consul's DNS domain, for O(via=dns).
    type: str
    default: consul
notes:
  - "When Consul cannot be asked (unreachable, refused, no DNS answer) the lookup fails with a message
    naming the agent or resolver. Ansible's standard lookup keyword C(errors) changes that:
    C(errors='warn') warns and returns an empty list, C(errors='ignore') returns it silently."
  - O(via=http) needs the C(py-consul) Python library on the controller; O(via=dns) needs C(dnspython).
seealso:
  - module: discovery.consul_dns.consul_service
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: An nginx upstream of the healthy web backends, stable order
  ansible.builtin.copy:
    dest: /etc/nginx/conf.d/web-upstream.conf
    content: |
      upstream web {
      {% for backend in lookup('discovery.consul_dns.consul_backends', 'web', format='address_port', order='sorted', wantlist=True) %}
          server {{ backend }};
      {% endfor %}
      }

- name: The same through the dnsmasq forwarder, as clients see it
  ansible.builtin.debug:
    msg: "{{ query('discovery.consul_dns.consul_backends', 'web', via='dns', dns_server='10.1.88.86',
             domain='zhangeamon.com', format='address_port') }}"

- name: Several services at once, as a dictionary, with a fallback when one has nothing healthy
  ansible.builtin.debug:
    msg: "{{ lookup('discovery.consul_dns.consul_backends', 'web', 'api', by_service=True,
             tag='v2', default=['127.0.0.1:8080'], format='address_port') }}"

- name: Everything about each backend, nearest first, warn rather than fail when Consul is down (errors is Ansible's own keyword)
  ansible.builtin.debug:
    msg: "{{ query('discovery.consul_dns.consul_backends', 'web', format='dict', near='_agent', errors='warn') }}"
"""

RETURN = r"""
_raw:
  description:
    - The backends of all terms, one flat list (of strings, or of dictionaries with O(format=dict)).
    - With O(by_service=true), one dictionary from service name to that list.
  type: list
  elements: raw
  sample: ["10.1.88.84:8000", "10.1.88.85:8000"]
"""

import random

from ansible.errors import AnsibleError, AnsibleOptionsError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_client import (
    CONNECTION_ARGUMENT_SPEC,
    HAS_CONSUL,
    ConsulClient,
    ConsulError,
)
from ansible_collections.discovery.consul_dns.plugins.module_utils.dns_names import parse_ip_address
from ansible_collections.discovery.consul_dns.plugins.module_utils.dns_resolver import HAS_DNSPYTHON, DnsError, DnsResolver

display = Display()


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        options = dict((name, self.get_option(name)) for name in (
            "via", "tag", "near", "node_meta", "passing", "format", "order", "dns_server", "dns_port", "domain"))
        self._check_options(options)
        resolve = self._resolve_http(options) if options["via"] == "http" else self._resolve_dns(options)

        by_service = {}
        for service in terms:
            try:
                backends = resolve(service)
            except (ConsulError, DnsError) as exc:
                # Ansible's own `errors` lookup keyword (strict/warn/ignore) decides what happens next
                raise AnsibleError("consul_backends: %s" % exc)
            backends = self._ordered(backends, options["order"])
            values = [self._formatted(b, options["format"]) for b in backends]
            if not values and self.get_option("default") is not None:
                default = self.get_option("default")
                values = list(default) if isinstance(default, list) else [default]
            by_service[service] = values

        if self.get_option("by_service"):
            return [by_service]
        return [value for service in terms for value in by_service[service]]

    def _check_options(self, options):
        if options["via"] == "dns":
            if not HAS_DNSPYTHON:
                raise AnsibleError("consul_backends: via=dns needs the dnspython Python library on the controller")
            if len(options["tag"]) > 1:
                raise AnsibleOptionsError("consul_backends: tag: via=dns takes at most one tag, got %s" % options["tag"])
            for http_only in ("near", "node_meta"):
                if options[http_only]:
                    raise AnsibleOptionsError("consul_backends: %s is only available with via=http" % http_only)
        elif not HAS_CONSUL:
            raise AnsibleError("consul_backends: via=http needs the py-consul Python library on the controller")

    def _resolve_http(self, options):
        connection = dict((name, self.get_option(name)) for name in CONNECTION_ARGUMENT_SPEC)
        try:
            client = ConsulClient(connection)
        except ConsulError as exc:
            raise AnsibleOptionsError("consul_backends: %s" % exc)

        def resolve(service):
            entries = client.service_instances(
                service, tags=options["tag"], near=options["near"], node_meta=options["node_meta"],
                passing=options["passing"])
            return [backend_from_health_entry(entry) for entry in entries if has_ip_address(entry, service)]
        return resolve

    def _resolve_dns(self, options):
        resolver = DnsResolver(options["dns_server"], options["dns_port"], self.get_option("request_timeout"))
        datacenter = self.get_option("datacenter")

        def resolve(service):
            name = "%s.service.%s%s." % (service, datacenter + "." if datacenter else "", options["domain"].strip("."))
            if options["tag"]:
                name = "%s.%s" % (options["tag"][0], name)
            return [backend for backend in resolver.backends(name, options["domain"])
                    if canonical_address(backend, service)]
        return resolve

    @staticmethod
    def _ordered(backends, order):
        if order == "shuffle":
            backends = list(backends)
            random.shuffle(backends)
        elif order == "sorted":
            backends = sorted(backends, key=lambda b: (b["address"], b["port"] or 0))
        return backends

    @staticmethod
    def _formatted(backend, form):
        if form == "address":
            return backend["address"]
        if form == "address_port":
            host = "[%s]" % backend["address"] if ":" in backend["address"] else backend["address"]
            # an instance registered without a port (Consul's 0) has none to give: 'host:None' would be no address
            return host if backend["port"] is None else "%s:%s" % (host, backend["port"])
        return backend


def has_ip_address(entry, service):
    """Whether a /v1/health/service entry's address is an IP address; warns naming it when not."""
    address = entry["Service"].get("Address") or entry["Node"].get("Address")
    if parse_ip_address(address) is not None:
        return True
    display.warning("consul_backends: dropped instance %r of service %r on node %r: its address %r is not an IP address"
                    % (entry["Service"].get("ID"), service, entry["Node"].get("Node"), address))
    return False


def canonical_address(backend, service):
    """Whether a backend from DNS has an IP address, which it then holds in canonical form; warns
    naming it when not. The resolver asked may not be a Consul agent or forwarder at all."""
    address = parse_ip_address(backend["address"])
    if address is None:
        display.warning("consul_backends: dropped an instance of service %r on node %r: its address %r is not an IP address"
                        % (service, backend["node"], backend["address"]))
        return False
    backend["address"] = address
    return True


def backend_from_health_entry(entry):
    """One /v1/health/service entry as a backend; the node's address when the service has none."""
    service, node = entry["Service"], entry["Node"]
    return dict(
        node=node.get("Node"),
        address=parse_ip_address(service.get("Address") or node.get("Address")),
        port=service.get("Port") or None,
        tags=list(service.get("Tags") or []),
        meta=dict(service.get("Meta") or {}),
        datacenter=node.get("Datacenter"),
    )
