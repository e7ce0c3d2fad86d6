# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one Consul client of the collection, shared by every module and plugin.

Connection options are declared here once (CONNECTION_ARGUMENT_SPEC) and documented once in
doc_fragments/connection.py. Every call to Consul goes through ConsulClient so that an
unreachable agent, an ACL denial and a TLS failure each produce one clear message.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import time
import traceback

from ansible.module_utils.basic import env_fallback, missing_required_lib
from ansible.module_utils.six.moves.urllib.parse import urlparse

try:
    import consul
    import requests
    import requests.adapters
    from consul.callback import CB
    from consul.exceptions import ACLPermissionDenied, BadRequest, ClientError, ConsulException
except ImportError:
    HAS_CONSUL = False
    CONSUL_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_CONSUL = True
    CONSUL_IMPORT_ERROR = None

CONSUL_LIBRARY = "py-consul"

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORTS = {"http": 8500, "https": 8501}


def _bool_from_env(name):
    value = os.environ.get(name)
    if value is None:
        return None
    return value.strip().lower() in ("1", "true", "yes", "on")


CONNECTION_ARGUMENT_SPEC = dict(
    # host, port and scheme fall back to CONSUL_HTTP_ADDR as a whole in resolve_connection().
    host=dict(type="str"),
    port=dict(type="int"),
    scheme=dict(type="str", choices=["http", "https"]),
    token=dict(type="str", no_log=True, fallback=(env_fallback, ["CONSUL_HTTP_TOKEN"])),
    # a file on the host the module runs on: the token itself never travels as an argument
    token_file=dict(type="path", fallback=(env_fallback, ["CONSUL_HTTP_TOKEN_FILE"])),
    validate_certs=dict(type="bool"),
    ca_path=dict(type="path", fallback=(env_fallback, ["CONSUL_CACERT"])),
    client_cert=dict(type="path", fallback=(env_fallback, ["CONSUL_CLIENT_CERT"])),
    client_key=dict(type="path", no_log=False, fallback=(env_fallback, ["CONSUL_CLIENT_KEY"])),
    datacenter=dict(type="str"),
    # not "timeout": checks have a timeout of their own, and consul_check takes check options at top level
    request_timeout=dict(type="float", default=10.0),
)


class ConsulError(Exception):
    """A failure talking to Consul, with a message meant for the operator."""


class _Retryable(Exception):
    """An error status of Consul (py-consul's ConsulException), its answer in ``answer``, before the
    client decides whether to send the request again."""

    def __init__(self, answer):
        super(_Retryable, self).__init__(answer)
        self.answer = answer


# What a client agent answers (HTTP 500) when a request did not get through to the servers. Right
# after the servers restart, the agent's pooled connection to one of them is dead: Consul 1.8 tries a
# read again itself only on "EOF", and fails it with "stream closed" (seen on the lab after a rolling
# restart); during an election there is no leader. A request that died with its connection may have
# reached a server: _NOT_SENT is the part that certainly did not.
_NOT_SENT = re.compile(r"^500 .*(No cluster leader|rpc error getting client)")
_UNDELIVERED = re.compile(
    r"^500 .*(No cluster leader|rpc error getting client|rpc error making call: (stream closed|EOF)"
    r"|connection reset by peer|broken pipe)"
)
# seconds between tries: 7.75 s in all, beyond Consul's own RPC hold timeout (7 s) and an election
RETRY_DELAYS = (0.25, 0.5, 1, 2, 4)


def resolve_connection(params):
    """Fill host, port, scheme and validate_certs from CONSUL_HTTP_ADDR / CONSUL_HTTP_SSL_VERIFY.

    Explicit options win over the environment, which wins over the defaults, as with the consul CLI.
    """
    resolved = dict(params)
    addr = os.environ.get("CONSUL_HTTP_ADDR")
    if addr and not (params.get("host") or params.get("port")):
        parsed = urlparse(addr if "://" in addr else "//" + addr)
        if parsed.scheme not in ("", "http", "https"):
            raise ConsulError(
                "CONSUL_HTTP_ADDR=%s: only http:// and https:// addresses are supported" % addr
            )
        try:
            port = parsed.port
        except ValueError:
            raise ConsulError("CONSUL_HTTP_ADDR=%s: the port is not a number" % addr)
        resolved["host"] = parsed.hostname
        resolved["port"] = port
        if parsed.scheme and not params.get("scheme"):
            resolved["scheme"] = parsed.scheme
    resolved["host"] = resolved.get("host") or DEFAULT_HOST
    resolved["scheme"] = resolved.get("scheme") or "http"
    resolved["port"] = resolved.get("port") or DEFAULT_PORTS[resolved["scheme"]]
    if resolved.get("validate_certs") is None:
        from_env = _bool_from_env("CONSUL_HTTP_SSL_VERIFY")
        resolved["validate_certs"] = True if from_env is None else from_env
    if resolved.get("request_timeout") is None:
        resolved["request_timeout"] = CONNECTION_ARGUMENT_SPEC["request_timeout"]["default"]
    if bool(resolved.get("client_key")) and not resolved.get("client_cert"):
        raise ConsulError("client_key is set but client_cert is not: both are needed for a client certificate")
    if not resolved.get("token") and resolved.get("token_file"):
        resolved["token"] = read_token_file(resolved["token_file"])
    return resolved


def read_token_file(path):
    """The token in a file (the consul CLI's CONSUL_HTTP_TOKEN_FILE), surrounding whitespace removed."""
    try:
        with open(path, "r") as token_file:
            token = token_file.read().strip()
    except (IOError, OSError) as exc:
        raise ConsulError("token_file %s cannot be read: %s" % (path, exc.strerror or exc))
    if not token:
        raise ConsulError("token_file %s is empty" % path)
    return token


if HAS_CONSUL:
    class _TimeoutAdapter(requests.adapters.HTTPAdapter):
        """A transport that gives every request the client's timeout."""

        def __init__(self, timeout):
            super(_TimeoutAdapter, self).__init__()
            self.timeout = timeout

        def send(self, request, **kwargs):
            kwargs["timeout"] = self.timeout
            return super(_TimeoutAdapter, self).send(request, **kwargs)


class ConsulClient:
    """Thin, error-translating wrapper around py-consul's ``consul.Consul``."""

    def __init__(self, params):
        if not HAS_CONSUL:
            raise ConsulError("the %s Python library is required" % CONSUL_LIBRARY)
        conn = resolve_connection(params)
        self.url = "%s://%s:%s" % (conn["scheme"], conn["host"], conn["port"])
        self.datacenter = conn.get("datacenter")
        self.timeout = conn["request_timeout"]
        self.has_token = bool(conn.get("token"))
        verify = conn["validate_certs"]
        if verify and conn.get("ca_path"):
            verify = conn["ca_path"]
        cert = None
        if conn.get("client_cert"):
            cert = (conn["client_cert"], conn["client_key"]) if conn.get("client_key") else conn["client_cert"]
        # every option is resolved above (resolve_connection read the consul CLI's variables); py-consul
        # must not read them again: before 1.8 it refuses a CONSUL_HTTP_ADDR with a scheme
        hidden = dict((name, os.environ.pop(name)) for name in list(os.environ) if name.startswith("CONSUL_HTTP_"))
        try:
            self.api = consul.Consul(
                host=conn["host"],
                port=conn["port"],
                scheme=conn["scheme"],
                verify=verify,
                cert=cert,
                dc=self.datacenter,
            )
        finally:
            os.environ.update(hidden)
        # every request ends after request_timeout, whichever py-consul (its own option came in 1.8)
        adapter = _TimeoutAdapter(self.timeout)
        self.api.http.session.mount("http://", adapter)
        self.api.http.session.mount("https://", adapter)
        # py-consul lets CONSUL_HTTP_TOKEN override an explicit token; the option must win.
        self.api.token = conn.get("token")

    def call(self, what, function, *args, **kwargs):
        """Run one py-consul call; translate every failure into a ConsulError about ``what``. A call
        the agent could not get through to the servers (_UNDELIVERED) is tried again, for a while."""
        return self._call(what, _UNDELIVERED, function, args, kwargs)

    def _call(self, what, retried, function, args, kwargs):
        delays = list(RETRY_DELAYS)
        while True:
            try:
                return self._translated(what, function, args, kwargs)
            except _Retryable as exc:
                if delays and retried.search(exc.answer):
                    time.sleep(delays.pop(0))
                    continue
                tries = len(RETRY_DELAYS) - len(delays) + 1
                raise ConsulError("Consul failed %s at %s: %s%s"
                                  % (what, self.url, exc.answer, " (%d tries)" % tries if tries > 1 else ""))

    def _translated(self, what, function, args, kwargs):
        try:
            return function(*args, **kwargs)
        except ACLPermissionDenied as exc:
            hint = ("the token lacks the permission" if self.has_token
                    else "no token was given (option token or token_file, or CONSUL_HTTP_TOKEN)")
            raise ConsulError("Consul denied %s at %s (HTTP 403, ACL): %s. %s" % (what, self.url, hint, str(exc).strip()))
        except (BadRequest, ClientError) as exc:
            raise ConsulError("Consul rejected %s at %s: %s" % (what, self.url, str(exc).strip()))
        except ConsulException as exc:
            raise _Retryable(str(exc).strip())
        except requests.exceptions.SSLError as exc:
            alert = _TLS_ALERT.search(str(exc))
            if alert:   # the agent ended the handshake: it found fault with this side, not the reverse
                raise ConsulError(
                    "the Consul agent at %s refused the TLS handshake (%s): it verifies its clients "
                    "(verify_incoming); give client_cert and client_key signed by its CA" % (self.url, alert.group(0).strip())
                )
            raise ConsulError(
                "TLS verification failed talking to the Consul agent at %s: %s. Set ca_path to the CA that "
                "signed the agent's certificate (or validate_certs: false, not recommended)" % (self.url, exc)
            )
        except requests.exceptions.Timeout:
            raise ConsulError("the Consul agent at %s did not answer %s within %ss" % (self.url, what, self.timeout))
        except requests.exceptions.ConnectionError as exc:
            raise ConsulError("cannot reach the Consul agent at %s for %s: %s" % (self.url, what, _root_cause(exc)))

    # Agent: services and checks ---------------------------------------------------------------

    # py-consul before 1.8 sends no token with agent.services() and agent.checks(): under ACLs the
    # agent would answer an empty list
    def agent_services(self):
        return self._get("reading the agent's services", "/v1/agent/services") or {}

    def agent_checks(self):
        return self._get("reading the agent's checks", "/v1/agent/checks") or {}

    def agent_service(self, service_id):
        """The agent's service ``service_id``, or None."""
        # not agent.service_definition(): py-consul sends no token with it, which ACLs refuse
        return self._get("reading service %s" % service_id, "/v1/agent/service/%s" % service_id)

    def register_service(self, registration):
        reg = dict(registration)
        checks = reg.pop("Checks", [])
        self.call(
            "registering service %s" % reg["ID"],
            self.api.agent.service.register,
            reg["Name"],
            service_id=reg["ID"],
            address=reg.get("Address"),
            port=reg.get("Port"),
            tags=reg.get("Tags"),
            meta=reg.get("Meta"),
            weights=reg.get("Weights"),
            enable_tag_override=reg.get("EnableTagOverride", False),
            check=checks[0] if checks else None,
            extra_checks=checks[1:],
            # not replace_existing_checks: that would also delete consul_check's checks bound to the
            # service; the modules deregister the inline checks a definition dropped themselves.
        )

    def deregister_service(self, service_id):
        self.call("deregistering service %s" % service_id, self.api.agent.service.deregister, service_id)

    def register_check(self, registration):
        reg = dict(registration)
        name = reg.pop("Name")
        reg["ID"] = reg.pop("CheckID")
        self.call(
            "registering check %s" % reg["ID"],
            self.api.agent.check.register,
            name,
            check=reg,
        )

    def deregister_check(self, check_id):
        self.call("deregistering check %s" % check_id, self.api.agent.check.deregister, check_id)

    def set_maintenance(self, enable, reason=None, service_id=None):
        """Maintenance on or off for a service instance of this agent, or for its whole node."""
        flag = "true" if enable else "false"
        if service_id:
            return self.call("%s maintenance of service %s" % ("enabling" if enable else "disabling", service_id),
                             self.api.agent.service.maintenance, service_id, flag, reason)
        return self.call("%s maintenance of the node" % ("enabling" if enable else "disabling"),
                         self.api.agent.maintenance, flag, reason)

    def node_address(self):
        """This agent's node address, as Consul's DNS answers it."""
        return self.call("reading the agent's own description", self.api.agent.self)["Member"]["Addr"]

    # Health -----------------------------------------------------------------------------------

    def service_instances(self, service, tags=None, datacenter=None, near=None, node_meta=None, passing=True):
        """The instances of ``service`` with their node and checks, in one request: with ``passing=True``
        those whose checks all pass, with ``passing=False`` those passing or warning (never critical),
        with ``passing=None`` every one."""
        params = [("passing", "1")] if passing else []
        for tag in tags or []:
            params.append(("tag", tag))
        dc = datacenter or self.datacenter
        if dc:
            params.append(("dc", dc))
        if near:
            params.append(("near", near))
        params += _node_meta_params(node_meta)
        entries = self._get("reading the health of service %s" % service, "/v1/health/service/%s" % service, params) or []
        if passing is not False:
            return entries
        # without ?passing Consul returns critical instances too; warning ones are what passing=False adds
        return [e for e in entries if all(c.get("Status") != "critical" for c in e.get("Checks") or [])]

    # Catalog ----------------------------------------------------------------------------------

    def catalog_nodes(self, node_meta=None):
        """Every node of the datacenter (those with every pair of ``node_meta``)."""
        return self._get("reading the catalog's nodes", "/v1/catalog/nodes", self._dc_params() + _node_meta_params(node_meta)) or []

    def catalog_services(self):
        """The name of every service of the datacenter, with the tags its instances carry."""
        return self._get("reading the catalog's services", "/v1/catalog/services", self._dc_params()) or {}

    # Cluster state ------------------------------------------------------------------------------

    def leader(self):
        """The address of the Raft leader this agent knows, or an empty string."""
        return self.call("reading the leader", self.api.status.leader) or ""

    def autopilot_health(self):
        """Raft health of every server as the leader's autopilot sees it (alive, in contact, caught up)."""
        # 429: the cluster as a whole is unhealthy; the body still says which server is not
        return self._request("reading Raft health", "GET", "/v1/operator/autopilot/health", accept=(429,))

    def raft_index(self, path, stale=False):
        """The X-Consul-Index of a read: answered by the leader, or with ``stale`` by the agent's own server state."""
        index = self._request("reading %s" % path, "GET", path, [("stale", "")] if stale else [], index=True)[0]
        return int(index or 0)

    # Prepared queries -------------------------------------------------------------------------

    def prepared_queries(self):
        return self._get("listing prepared queries", "/v1/query", self._dc_params()) or []

    def create_prepared_query(self, definition):
        return self._query_write("creating prepared query %s" % definition["Name"], "POST", "/v1/query", definition,
                                 creating=True)

    def update_prepared_query(self, query_id, definition):
        return self._query_write(
            "updating prepared query %s" % definition["Name"], "PUT", "/v1/query/%s" % query_id, definition
        )

    def delete_prepared_query(self, query_id):
        self.call("deleting prepared query %s" % query_id, self.api.query.delete, query_id, dc=self.datacenter)

    # ACL policies and tokens ------------------------------------------------------------------

    # kind -> (list path, item path)
    _ACL_PATHS = {"policy": ("/v1/acl/policies", "/v1/acl/policy"), "token": ("/v1/acl/tokens", "/v1/acl/token")}

    def acl_list(self, kind):
        return self._get("listing ACL %s" % self._ACL_PATHS[kind][0].rsplit("/", 1)[1], self._ACL_PATHS[kind][0]) or []

    def acl_read(self, kind, ident):
        return self._get("reading ACL %s %s" % (kind, ident), "%s/%s" % (self._ACL_PATHS[kind][1], ident))

    def acl_write(self, kind, definition, ident=None):
        path = self._ACL_PATHS[kind][1] + ("/%s" % ident if ident else "")
        return self._request("writing ACL %s %s" % (kind, ident or "(new)"), "PUT", path, body=definition,
                             creating=not ident)

    def acl_delete(self, kind, ident):
        self._request("deleting ACL %s %s" % (kind, ident), "DELETE", "%s/%s" % (self._ACL_PATHS[kind][1], ident))

    def _dc_params(self):
        return [("dc", self.datacenter)] if self.datacenter else []

    def _get(self, what, path, params=None):
        """GET a JSON document (None on 404) with the client's token."""
        return self._request(what, "GET", path, params)

    def _query_write(self, what, method, path, definition, creating=False):
        # POST answers {"ID": ...}; PUT answers with an empty body
        return self._request(what, method, path, self._dc_params(), body=definition, creating=creating)

    def _request(self, what, method, path, params=None, body=None, index=False, accept=(), creating=False):
        """The one request of the client's own, for what py-consul has no call for (or one that drops
        the token or a parameter): JSON in and out, the client's token, py-consul's error handling.
        An empty answer is None; ``index`` returns (X-Consul-Index, document); ``accept`` lists
        error statuses whose body is the answer all the same. A request ``creating`` something with
        a new ID is tried again only when it certainly reached no server (_NOT_SENT): twice, it
        would create two."""
        def answer(response):
            if response.code in accept:
                return json.loads(response.body)
            if 200 <= response.code < 300 and not (response.body or "").strip():
                return (None, None) if index else None
            return CB.json(index=index)(response)

        send = {"GET": self.api.http.get, "PUT": self.api.http.put, "POST": self.api.http.post,
                "DELETE": self.api.http.delete}[method]
        kwargs = dict(params=params or [], headers=self.api.prepare_headers())
        if body is not None:
            kwargs["data"] = json.dumps(body)
        return self._call(what, _NOT_SENT if creating else _UNDELIVERED, send, (answer, path), kwargs)


def _node_meta_params(node_meta):
    return [("node-meta", "%s:%s" % (key, value)) for key, value in sorted((node_meta or {}).items())]


# OpenSSL's words for an alert the peer sent, e.g. "sslv3 alert bad certificate", "tlsv13 alert certificate required"
_TLS_ALERT = re.compile(r"(?:sslv3|tlsv1\d?) alert [a-z ]+")


def _root_cause(exc):
    """'Connection refused' rather than urllib3's nested retry message: the operating system's words
    from the innermost error (requests wraps urllib3's retry error, which wraps the socket's)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.strerror:
            return exc.strerror
        inner = getattr(exc, "reason", None)
        if not isinstance(inner, BaseException):
            inner = exc.__cause__ or exc.__context__
        if inner is None and exc.args and isinstance(exc.args[0], BaseException):
            inner = exc.args[0]
        if inner is None:
            break
        exc = inner
    return str(exc)


def client_from_module(module):
    """A ConsulClient for an AnsibleModule, failing the module with a clear message when impossible."""
    if not HAS_CONSUL:
        module.fail_json(msg=missing_required_lib(CONSUL_LIBRARY), exception=CONSUL_IMPORT_ERROR)
    try:
        return ConsulClient(module.params)
    except ConsulError as exc:
        module.fail_json(msg=str(exc))
