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
    from consul.exceptions import ACLPermissionDenied, BadRequest, ClientError, ConsulException, NotFound
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
    """A failure talking to Consul, with a message meant for the operator. ``status`` is Consul's HTTP
    status when it answered (None when it did not), ``answer`` the text of its answer."""

    def __init__(self, msg, status=None, answer=None):
        super(ConsulError, self).__init__(msg)
        self.status = status
        self.answer = answer


class ConsulDenied(ConsulError):
    """Consul refused the request's token (HTTP 403): never sent again."""


# The retry policy of every request of the collection, in one place -------------------------------
#
# A failed request is classified by what failed, first by the exception and Consul's status code:
#   FINAL       never sent again: 4xx (403 above all: another try would be refused as well), TLS
#               failures, and any answer not named below
#   NOT_SENT    certainly reached no server: the agent refused the connection, or answered 500 that it
#               has no leader or no connection to one; every request is sent again, a creation too
#   MAYBE_SENT  may have reached a server: a timeout, a connection lost mid-request, 502/503/504, or a
#               500 about an RPC connection dying (right after the servers restart, the agent's pooled
#               connection to one of them is dead: Consul 1.8 tries a read again itself only on "EOF",
#               and fails it with "stream closed", seen on the lab after a rolling restart), or a keyring
#               request some member did not answer in time ("7/8 nodes reported success", seen on the
#               lab while a backend's checks were failing: a listing, or a key change that is the same
#               when made twice); sent again unless it creates something with a new ID (twice, it would
#               create two)
# Consul 1.8 answers 500 for some refusals of its input too ("Invalid Policy: ..."): only a 500 that
# says the request did not get through is sent again.
FINAL, NOT_SENT, MAYBE_SENT = "final", "not sent", "maybe sent"
_NOT_SENT_500 = re.compile(r"No cluster leader|rpc error getting client")
_MAYBE_SENT_500 = re.compile(r"rpc error making call: (stream closed|EOF)|connection reset by peer|broken pipe|\d+/\d+ nodes reported success")
# seconds between tries: 7.75 s in all, beyond Consul's own RPC hold timeout (7 s) and an election
RETRY_DELAYS = (0.25, 0.5, 1, 2, 4)
# no new try starts later than this after the first one (timeouts of request_timeout each add up)
RETRY_BUDGET = 20.0


def _status_of(exc):
    """The HTTP status of py-consul's error (its text starts with it), or None."""
    match = re.match(r"\s*(\d{3})\b", str(exc))
    return int(match.group(1)) if match else None


def failure_kind(exc):
    """FINAL, NOT_SENT or MAYBE_SENT for an exception of py-consul or requests (see above)."""
    if isinstance(exc, (ACLPermissionDenied, BadRequest, ClientError, NotFound)):
        return FINAL
    if isinstance(exc, ConsulException):
        status = _status_of(exc)
        if status == 500 and _NOT_SENT_500.search(str(exc)):
            return NOT_SENT
        if status == 500 and _MAYBE_SENT_500.search(str(exc)) or status in (502, 503, 504):
            return MAYBE_SENT
        return FINAL
    if isinstance(exc, requests.exceptions.SSLError):
        return FINAL
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return NOT_SENT
    if isinstance(exc, requests.exceptions.Timeout):
        return MAYBE_SENT
    if isinstance(exc, requests.exceptions.ConnectionError):
        return NOT_SENT if _connection_refused(exc) else MAYBE_SENT
    return None


def _connection_refused(exc):
    """Whether the connection was never made (urllib3's NewConnectionError inside requests' error)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if type(exc).__name__ in ("NewConnectionError", "ConnectionRefusedError"):
            return True
        inner = getattr(exc, "reason", None)
        if not isinstance(inner, BaseException):
            inner = exc.__cause__ or exc.__context__
        if inner is None and exc.args and isinstance(exc.args[0], BaseException):
            inner = exc.args[0]
        exc = inner
    return False


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

    def __init__(self, params, retry=True):
        """``retry=False``: every request is tried once (for a caller that polls itself)."""
        if not HAS_CONSUL:
            raise ConsulError("the %s Python library is required" % CONSUL_LIBRARY)
        conn = resolve_connection(params)
        self.url = "%s://%s:%s" % (conn["scheme"], conn["host"], conn["port"])
        self.datacenter = conn.get("datacenter")
        self.timeout = conn["request_timeout"]
        self.retry = retry
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
        that failed is sent again as the retry policy above says (failure_kind)."""
        return self._call(what, False, function, args, kwargs)

    def _call(self, what, creating, function, args, kwargs):
        delays = list(RETRY_DELAYS) if self.retry else []
        start = time.monotonic()
        tries = 0
        while True:
            tries += 1
            try:
                return function(*args, **kwargs)
            except (ConsulException, requests.exceptions.RequestException) as exc:
                kind = failure_kind(exc)
                if delays and time.monotonic() - start + delays[0] <= RETRY_BUDGET and \
                        (kind == NOT_SENT or kind == MAYBE_SENT and not creating):
                    time.sleep(delays.pop(0))
                    continue
                raise self._error(what, exc, tries)
            except json.JSONDecodeError as exc:
                # py-consul 1.5 (the oldest supported) lets an answer that is no JSON (a proxy's page) out as it is;
                # newer ones wrap it in a ConsulException with these words
                raise ConsulError("Consul failed %s at %s: Failed to decode JSON: %s" % (what, self.url, exc))

    def _error(self, what, exc, tries):
        """The ConsulError for a request that failed for good, after ``tries`` tries."""
        tried = " (%d tries)" % tries if tries > 1 else ""
        if isinstance(exc, ACLPermissionDenied):
            hint = ("the token lacks the permission" if self.has_token
                    else "no token was given (option token or token_file, or CONSUL_HTTP_TOKEN)")
            return ConsulDenied("Consul denied %s at %s (HTTP 403, ACL): %s. %s" % (what, self.url, hint, str(exc).strip()),
                                status=403, answer=str(exc).strip())
        if isinstance(exc, (BadRequest, ClientError, NotFound)):
            return ConsulError("Consul rejected %s at %s: %s" % (what, self.url, str(exc).strip()),
                               status=_status_of(exc), answer=str(exc).strip())
        if isinstance(exc, ConsulException):
            return ConsulError("Consul failed %s at %s: %s%s" % (what, self.url, str(exc).strip(), tried),
                               status=_status_of(exc), answer=str(exc).strip())
        if isinstance(exc, requests.exceptions.SSLError):
            alert = _TLS_ALERT.search(str(exc))
            if alert:   # the agent ended the handshake: it found fault with this side, not the reverse
                return ConsulError(
                    "the Consul agent at %s refused the TLS handshake (%s): it verifies its clients "
                    "(verify_incoming); give client_cert and client_key signed by its CA" % (self.url, alert.group(0).strip())
                )
            return ConsulError(
                "TLS verification failed talking to the Consul agent at %s: %s. Set ca_path to the CA that "
                "signed the agent's certificate (or validate_certs: false, not recommended)" % (self.url, exc)
            )
        if isinstance(exc, requests.exceptions.Timeout):
            return ConsulError("the Consul agent at %s did not answer %s within %ss%s" % (self.url, what, self.timeout, tried))
        return ConsulError("cannot reach the Consul agent at %s for %s: %s%s" % (self.url, what, _root_cause(exc), tried))

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

    def node_checks(self, node):
        """Every check of ``node`` as the servers have it (what DNS answers from)."""
        return self._get("reading the health of node %s" % node, "/v1/health/node/%s" % node, self._dc_params()) or []

    # Catalog ----------------------------------------------------------------------------------

    def catalog_nodes(self, node_meta=None):
        """Every node of the datacenter (those with every pair of ``node_meta``)."""
        return self._get("reading the catalog's nodes", "/v1/catalog/nodes", self._dc_params() + _node_meta_params(node_meta)) or []

    def catalog_node(self, node):
        """The node's catalog entry with its services (None when the catalog does not have it)."""
        return self._get("reading the catalog's node %s" % node, "/v1/catalog/node/%s" % node, self._dc_params())

    def catalog_deregister_node(self, node):
        """The node, its services and its checks out of the catalog (the management token; a client agent's
        API refuses it, http_config.block_endpoints)."""
        body = {"Node": node}
        if self.datacenter:
            body["Datacenter"] = self.datacenter
        self._request("deregistering the node %s" % node, "PUT", "/v1/catalog/deregister", body=body)

    def catalog_datacenters(self):
        """Every datacenter this agent knows (its own and those its servers reach over the WAN)."""
        return self._get("reading the datacenters", "/v1/catalog/datacenters") or []

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

    def raft_configuration(self):
        """The Raft peers as the leader has them: each server's node, address, voter and leader flags."""
        return self._get("reading the Raft configuration", "/v1/operator/raft/configuration", self._dc_params()) or {}

    def agent_self(self):
        """The agent's own configuration and member record (its Consul version in Config.Version)."""
        return self._get("reading the agent's configuration", "/v1/agent/self") or {}

    # Gossip keyring ---------------------------------------------------------------------------

    def keyring(self):
        """The keys every gossip pool holds (LAN, and WAN on servers): one entry a pool, each key with
        the number of members holding it, the primary keys likewise (``PrimaryKeys``), ``NumNodes``."""
        return self._get("listing the gossip keyring", "/v1/operator/keyring") or []

    # the keyring endpoint takes the key in the body of every change
    _KEYRING_CHANGES = {"install": "POST", "use": "PUT", "remove": "DELETE"}

    def keyring_change(self, change, key):
        """Install a key on every member, make it the one they encrypt with (use), or remove it.
        Consul fails the request when any member reported failure; the key is never in the message."""
        self._request("%s a gossip key" % ("making primary" if change == "use" else change + "ing"),
                      self._KEYRING_CHANGES[change], "/v1/operator/keyring", body={"Key": key})

    # KV store and snapshots ------------------------------------------------------------------

    def kv_keys(self):
        """Every key of the KV store; an empty list when it holds none (Consul answers 404)."""
        return self._get("listing the KV store's keys", "/v1/kv/", [("keys", "")] + self._dc_params()) or []

    def snapshot_restore(self, path):
        """PUT /v1/snapshot with the snapshot file as its body: the leader replaces the servers' whole
        state (catalog, ACLs, KV store, prepared queries, sessions) with the snapshot's. Streamed from
        the file; sent again only when it certainly reached no server."""
        def answer(response):
            if 200 <= response.code < 300:
                return None
            return CB.json()(response)

        headers = self.api.prepare_headers()
        with open(path, "rb") as snapshot:
            return self._call("restoring the snapshot %s" % path, True, self.api.http.put, (answer, "/v1/snapshot"),
                              dict(params=self._dc_params(), headers=headers, data=snapshot))

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

    def acl_bootstrap(self):
        """PUT /v1/acl/bootstrap, without a token: the new management token. Consul refuses it with 403
        once the cluster was bootstrapped (its answer names the reset index); a ConsulDenied then."""
        return self._request("bootstrapping ACLs", "PUT", "/v1/acl/bootstrap", creating=True, token="")

    def acl_token_self(self, token=None):
        """The token ``token`` (the client's own when None) as Consul describes it to its holder: a
        ConsulDenied when Consul does not know it (403 "ACL not found")."""
        return self._request("reading the ACL token in use", "GET", "/v1/acl/token/self", token=token)

    def _dc_params(self):
        return [("dc", self.datacenter)] if self.datacenter else []

    def _get(self, what, path, params=None):
        """GET a JSON document (None on 404) with the client's token."""
        return self._request(what, "GET", path, params)

    def _query_write(self, what, method, path, definition, creating=False):
        # POST answers {"ID": ...}; PUT answers with an empty body
        return self._request(what, method, path, self._dc_params(), body=definition, creating=creating)

    def _request(self, what, method, path, params=None, body=None, index=False, accept=(), creating=False,
                 token=None):
        """The one request of the client's own, for what py-consul has no call for (or one that drops
        the token or a parameter): JSON in and out, the client's token, py-consul's error handling.
        An empty answer is None; ``index`` returns (X-Consul-Index, document); ``accept`` lists
        error statuses whose body is the answer all the same. A request ``creating`` something with
        a new ID is tried again only when it certainly reached no server (NOT_SENT): twice, it
        would create two. ``token`` is sent in place of the client's; "" sends none."""
        def answer(response):
            if response.code in accept:
                return json.loads(response.body)
            if 200 <= response.code < 300 and not (response.body or "").strip():
                return (None, None) if index else None
            return CB.json(index=index)(response)

        send = {"GET": self.api.http.get, "PUT": self.api.http.put, "POST": self.api.http.post,
                "DELETE": self._delete if body is not None else self.api.http.delete}[method]
        headers = self.api.prepare_headers() if token is None else ({"X-Consul-Token": token} if token else {})
        kwargs = dict(params=params or [], headers=headers)
        if body is not None:
            kwargs["data"] = json.dumps(body)
        return self._call(what, creating, send, (answer, path), kwargs)

    def _delete(self, callback, path, params=None, headers=None, data=None):
        """A DELETE with a body (the keyring's), which py-consul before 1.6 cannot send."""
        http = self.api.http
        return callback(http.response(http.session.delete(http.uri(path, params), headers=headers, data=data,
                                                          verify=http.verify, cert=http.cert)))


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


def client_from_module(module, retry=True):
    """A ConsulClient for an AnsibleModule, failing the module with a clear message when impossible."""
    if not HAS_CONSUL:
        module.fail_json(msg=missing_required_lib(CONSUL_LIBRARY), exception=CONSUL_IMPORT_ERROR)
    try:
        return ConsulClient(module.params, retry=retry)
    except ConsulError as exc:
        module.fail_json(msg=str(exc))
