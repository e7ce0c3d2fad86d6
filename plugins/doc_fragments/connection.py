# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The connection options of every module and plugin (plugins/module_utils/consul_client.py).
    DOCUMENTATION = r"""
options:
  host:
    description:
      - Host name or address of the Consul agent's HTTP API.
      - When neither O(host) nor O(port) is set, both (and O(scheme)) are taken from the
        E(CONSUL_HTTP_ADDR) environment variable, as the consul CLI does; otherwise C(127.0.0.1).
    type: str
  port:
    description:
      - Port of the Consul agent's HTTP API.
      - Defaults to C(8500) for O(scheme=http) and C(8501) for O(scheme=https), or the port in
        E(CONSUL_HTTP_ADDR).
    type: int
  scheme:
    description:
      - Protocol of the Consul agent's HTTP API. Defaults to C(http), or the scheme in E(CONSUL_HTTP_ADDR).
    type: str
    choices: [http, https]
  token:
    description:
      - ACL token sent as C(X-Consul-Token). Falls back to E(CONSUL_HTTP_TOKEN). Never logged.
    type: str
  token_file:
    description:
      - A file holding the ACL token, read where the module or plugin runs, used when no O(token) is
        given (O(token) and E(CONSUL_HTTP_TOKEN) win). Falls back to E(CONSUL_HTTP_TOKEN_FILE), as with the consul CLI.
      - With it the token never travels as a module argument, so it is in no temporary file of the
        module on the host either. The role P(discovery.consul_dns.consul#role) keeps each host's own
        token in such a file (C(consul_agent.token_file)).
      - A file that cannot be read, or is empty, is an error naming it.
    type: path
  validate_certs:
    description:
      - Whether to verify the agent's TLS certificate. Defaults to E(CONSUL_HTTP_SSL_VERIFY) when set,
        otherwise V(true).
    type: bool
  ca_path:
    description:
      - CA bundle (PEM) to verify the agent's certificate with. Falls back to E(CONSUL_CACERT).
    type: path
  client_cert:
    description:
      - Client certificate (PEM) for agents with C(verify_incoming). Falls back to E(CONSUL_CLIENT_CERT).
    type: path
  client_key:
    description:
      - Private key of O(client_cert). Falls back to E(CONSUL_CLIENT_KEY).
    type: path
  datacenter:
    description:
      - Datacenter to query for catalog-wide reads and prepared queries. Defaults to the agent's own.
    type: str
  request_timeout:
    description:
      - Seconds to wait for the agent to answer one request.
    type: float
    default: 10
notes:
  - Requires the C(py-consul) Python library (C(import consul)) where the module runs.
  - "Set these options once for every module of the collection with
    C(module_defaults: {group/discovery.consul_dns.consul: {...}})."
  - "A request the agent could not get through to the servers (HTTP 500 C(No cluster leader), or
    C(rpc error making call: stream closed) on a connection to a server that has restarted) is sent
    again, up to five times over about 8 seconds. A request that creates a token or prepared query is
    sent again only on C(No cluster leader): sent twice, it could create two."
"""

    # The same options for lookup plugins, which also read ansible.cfg and variables.
    PLUGINS = r"""
options:
  host:
    env: [{name: CONSUL_DNS_HOST}]
    ini: [{section: consul_dns, key: host}]
    vars: [{name: consul_dns_host}]
  port:
    env: [{name: CONSUL_DNS_PORT}]
    ini: [{section: consul_dns, key: port}]
    vars: [{name: consul_dns_port}]
  scheme:
    env: [{name: CONSUL_DNS_SCHEME}]
    ini: [{section: consul_dns, key: scheme}]
    vars: [{name: consul_dns_scheme}]
  token:
    env: [{name: CONSUL_HTTP_TOKEN}]
    vars: [{name: consul_dns_token}]
  token_file:
    env: [{name: CONSUL_HTTP_TOKEN_FILE}]
    vars: [{name: consul_dns_token_file}]
  validate_certs:
    env: [{name: CONSUL_HTTP_SSL_VERIFY}]
    ini: [{section: consul_dns, key: validate_certs}]
    vars: [{name: consul_dns_validate_certs}]
  ca_path:
    env: [{name: CONSUL_CACERT}]
    ini: [{section: consul_dns, key: ca_path}]
    vars: [{name: consul_dns_ca_path}]
  client_cert:
    env: [{name: CONSUL_CLIENT_CERT}]
    ini: [{section: consul_dns, key: client_cert}]
    vars: [{name: consul_dns_client_cert}]
  client_key:
    env: [{name: CONSUL_CLIENT_KEY}]
    ini: [{section: consul_dns, key: client_key}]
    vars: [{name: consul_dns_client_key}]
  datacenter:
    env: [{name: CONSUL_DNS_DATACENTER}]
    ini: [{section: consul_dns, key: datacenter}]
    vars: [{name: consul_dns_datacenter}]
  request_timeout:
    env: [{name: CONSUL_DNS_REQUEST_TIMEOUT}]
    ini: [{section: consul_dns, key: request_timeout}]
    vars: [{name: consul_dns_request_timeout}]
"""
