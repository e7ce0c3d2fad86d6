# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: consul
short_description: Hosts from the Consul catalog, grouped by the services they run
version_added: 0.4.0
description:
  - Every node of a Consul datacenter becomes a host, with its address as C(ansible_host), so that a
    playbook can target "the hosts running a healthy C(web)" (a play's C(hosts) set to C(service_web)).
  - Each host gets C(ansible_host) and one variable, C(consul_catalog), holding what the catalog says about
    it (C(node), C(datacenter), C(node_meta), and C(services), a dict of service name to its instances,
    each with C(id), C(address), C(port), C(tags), C(meta) and C(health)). One name, which no role of the
    collection reads as a setting, so this source can be combined with a static inventory that sets the
    roles' variables (C(consul_services), C(consul_datacenter)).
  - Groups C(service_<name>) for the services a node runs, C(tag_<tag>) for their tags and
    C(dc_<datacenter>); Ansible's C(keyed_groups), C(groups) and C(compose) on top of them, and
    inventory caching.
  - One request for the nodes and one per service (C(/v1/health/service/<name>), with each instance's
    checks), through the collection's client and connection options.
  - Values from Consul are untrusted; every host variable is marked unsafe (never templated), a node
    whose name is not a DNS name or whose address is neither an IP address nor a DNS name is left out
    with a warning, and so is a service instance whose own address is neither; group names keep only
    letters, digits and underscores.
  - Addresses are taken only as strict IP address text (no IPv6 zone ID, no leading zeros, ASCII
    only) and given in canonical form (C(fd00::1), not C(FD00::0001)).
  - The inventory source is a YAML file whose name ends in C(consul.yml) or C(consul.yaml).
extends_documentation_fragment:
  - discovery.consul_dns.connection
  - discovery.consul_dns.connection.plugins
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description: The name of this plugin; the source file is read by it only when set to this.
    type: str
    required: true
    choices: [discovery.consul_dns.consul]
  services:
    description:
      - Only instances of these services are looked at; empty looks at every service.
      - With any of O(services), O(tags) or O(passing_only), a node is a host only when one of its
        instances is left; without them every node is.
    type: list
    elements: str
    default: []
  tags:
    description: Only instances carrying all of these tags.
    type: list
    elements: str
    default: []
  node_meta:
    description: Only nodes with all of these node metadata pairs.
    type: dict
    default: {}
  passing_only:
    description: Only instances whose checks (the node's included) all pass.
    type: bool
    default: false
  datacenters:
    description:
      - The datacenters whose nodes become hosts, each read through the same agent (another
        datacenter's over the WAN); C(["*"]) for every datacenter the agent knows, its own first. Empty
        reads the connection's O(datacenter) (the agent's own by default).
      - A node name found in two datacenters is a host once, from the first datacenter listed (the
        agent's own with C(["*"])); the other is left out with a warning, so another datacenter's
        servers can never take a host's name.
    type: list
    elements: str
    default: []
    version_added: 0.7.0
  group_prefixes:
    description: The prefixes of the groups this plugin makes.
    type: dict
    default: {service: service_, tag: tag_, datacenter: dc_}
notes:
  - Needs the C(py-consul) Python library on the controller.
  - The lab's and the README's examples reach the servers' HTTPS API from the controller with a client
    certificate and a read-only token (the consul role's O(discovery.consul_dns.consul#role:main:consul_controller_access)).
seealso:
  - plugin: discovery.consul_dns.consul_backends
    plugin_type: lookup
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
# consul.yml: the servers' HTTPS API, with the files the consul role wrote for the controller
plugin: discovery.consul_dns.consul
host: 10.1.88.81
scheme: https
ca_path: ~/.consul-bj/ca.pem
client_cert: ~/.consul-bj/controller.pem
client_key: ~/.consul-bj/controller-key.pem
# token: from CONSUL_HTTP_TOKEN, or here with !vault
passing_only: true
keyed_groups:
  - key: consul_catalog.node_meta.rack | default('none')
    prefix: rack
compose:
  ansible_user: "'deploy'"

# then: ansible-inventory -i consul.yml --graph; a play with `hosts: service_web`

# Two datacenters through one server (groups dc_bj and dc_sh; docs/multi-dc.md)
# plugin: discovery.consul_dns.consul
# datacenters: [bj, sh]

# Another source file: only the web and api hosts, cached for five minutes
# plugin: discovery.consul_dns.consul
# services: [web, api]
# cache: true
# cache_plugin: ansible.builtin.jsonfile
# cache_connection: ~/.cache/consul-inventory
# cache_timeout: 300
"""

import re

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.display import Display
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_client import (
    CONNECTION_ARGUMENT_SPEC,
    HAS_CONSUL,
    ConsulClient,
    ConsulError,
)
from ansible_collections.discovery.consul_dns.plugins.module_utils.dns_names import is_dns_name, parse_host

display = Display()

_NOT_IN_A_GROUP_NAME = re.compile(r"[^A-Za-z0-9_]")


def group_name(prefix, name):
    return _NOT_IN_A_GROUP_NAME.sub("_", "%s%s" % (prefix, name))


def instance_health(checks):
    """critical when one check is, else warning when one is, else passing."""
    statuses = set(check.get("Status") for check in checks or [])
    for status in ("critical", "warning"):
        if status in statuses:
            return status
    return "passing"


def catalog_hosts(catalog, services=(), tags=(), passing_only=False):
    """Host name -> its variables, from the raw catalog (``nodes``, ``instances`` per service), with
    the filters applied. Nodes whose name or address could not be an inventory host are left out."""
    wanted_tags = set(tags)
    filtered = bool(services or tags or passing_only)
    hosts = {}
    for node in catalog["nodes"]:
        name, address = node.get("Node"), parse_host(node.get("Address"))
        if not is_dns_name(name) or address is None:
            display.warning("consul inventory: left out node %r: its name must be a DNS name and its address an IP "
                            "address or a DNS name (address %r)" % (name, node.get("Address")))
            continue
        hosts[name] = dict(ansible_host=address, consul_catalog=dict(
            node=name, datacenter=node.get("Datacenter"), node_meta=node.get("Meta") or {}, services={}))
    for service, entries in sorted(catalog["instances"].items()):
        if services and service not in services:
            continue
        for entry in entries:
            instance, node = entry["Service"], entry["Node"]["Node"]
            health = instance_health(entry.get("Checks"))
            if node not in hosts or not wanted_tags <= set(instance.get("Tags") or []) or \
                    (passing_only and health != "passing"):
                continue
            address = parse_host(instance["Address"]) if instance.get("Address") else hosts[node]["ansible_host"]
            if address is None:
                display.warning("consul inventory: left out instance %r of service %r on node %r: its address must be "
                                "an IP address or a DNS name (address %r)"
                                % (instance.get("ID"), service, node, instance["Address"]))
                continue
            hosts[node]["consul_catalog"]["services"].setdefault(service, []).append(dict(
                id=instance.get("ID"), address=address,
                port=instance.get("Port"), tags=instance.get("Tags") or [], meta=instance.get("Meta") or {},
                health=health))
    if filtered:
        hosts = dict((name, host) for name, host in hosts.items() if host["consul_catalog"]["services"])
    return hosts


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = "discovery.consul_dns.consul"

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(("consul.yml", "consul.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache") and cache
        catalog = None
        if use_cache:
            try:
                catalog = self._cache[cache_key]
            except KeyError:
                pass
        if catalog is None:
            catalog = self._read_catalog()
            if self.get_option("cache"):
                self._cache[cache_key] = catalog
        hosts = {}
        # a cache written before 0.7.0 holds one datacenter's catalog
        for datacenter_catalog in catalog.get("datacenters", [catalog]):
            found = catalog_hosts(datacenter_catalog, self.get_option("services"), self.get_option("tags"),
                                  self.get_option("passing_only"))
            for name, variables in sorted(found.items()):
                if name in hosts:
                    display.warning("consul inventory: left out node %r of datacenter %r: a node of datacenter %r has its "
                                    "name" % (name, variables["consul_catalog"]["datacenter"],
                                              hosts[name]["consul_catalog"]["datacenter"]))
                    continue
                hosts[name] = variables
        self._populate(hosts)

    def _read_catalog(self):
        if not HAS_CONSUL:
            raise AnsibleParserError("consul inventory: needs the py-consul Python library on the controller")
        connection = dict((name, self.get_option(name)) for name in CONNECTION_ARGUMENT_SPEC)
        try:
            client = ConsulClient(connection)
            datacenters = self.get_option("datacenters") or [client.datacenter]
            if "*" not in datacenters:
                return dict(datacenters=[self._read_datacenter(client, datacenter) for datacenter in datacenters])
            # the agent's own datacenter first, whatever order the others come in (Consul sorts them by
            # the round trip times their servers report): its nodes keep their names
            own = self._read_datacenter(client, None)
            own_name = next((node.get("Datacenter") for node in own["nodes"] if node.get("Datacenter")), None)
            return dict(datacenters=[own] + [self._read_datacenter(client, datacenter)
                                             for datacenter in client.catalog_datacenters() if datacenter != own_name])
        except ConsulError as exc:
            raise AnsibleParserError("consul inventory: %s" % exc)

    def _read_datacenter(self, client, datacenter):
        # every request of the client names this datacenter (the agent's own for None)
        client.datacenter = datacenter
        services = self.get_option("services") or sorted(client.catalog_services())
        return dict(nodes=client.catalog_nodes(self.get_option("node_meta")),
                    instances=dict((service, client.service_instances(service, node_meta=self.get_option("node_meta"), passing=None))
                                   for service in services))

    def _populate(self, hosts):
        prefixes = dict(service="service_", tag="tag_", datacenter="dc_")
        prefixes.update(self.get_option("group_prefixes") or {})
        strict = self.get_option("strict")
        for name, variables in sorted(hosts.items()):
            self.inventory.add_host(name)
            for key, value in variables.items():
                self.inventory.set_variable(name, key, wrap_var(value))
            groups = set()
            catalog = variables["consul_catalog"]
            if catalog["datacenter"]:
                groups.add(group_name(prefixes["datacenter"], catalog["datacenter"]))
            for service, instances in catalog["services"].items():
                groups.add(group_name(prefixes["service"], service))
                groups.update(group_name(prefixes["tag"], tag) for instance in instances for tag in instance["tags"])
            for group in sorted(groups):
                self.inventory.add_group(group)
                self.inventory.add_child(group, name)
            host_vars = self.inventory.get_host(name).get_vars()
            self._set_composite_vars(self.get_option("compose"), host_vars, name, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), host_vars, name, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), host_vars, name, strict=strict)
