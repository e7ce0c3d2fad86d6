"""What ConsulClient sends to Consul and makes of its answers, on a fake of requests' transport: each
call's method, path, parameters, token and body; connection options (TLS files, timeout, datacenter)
on every request; empty and missing answers; the message and status of each failure."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
from collections import namedtuple

import pytest
import requests
import requests.adapters
import urllib3
from requests.structures import CaseInsensitiveDict

from ansible.module_utils.six.moves.urllib.parse import parse_qsl, urlsplit

from ansible_collections.discovery.consul_dns.plugins.module_utils import consul_client as cc

Sent = namedtuple("Sent", "method url path params token body timeout verify cert")


class Agent(object):
    """Answers (status, body[, headers]) by (method, path), the same one again; 404 for anything else."""

    def __init__(self, monkeypatch):
        self.answers = {}
        self.sent = []
        monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", lambda adapter, request, **kw: self.send(request, **kw))

    def on(self, method, path, status=200, body="", headers=None):
        self.answers[(method, path)] = (status, body, headers or {})
        return self

    def send(self, request, **kwargs):
        url = urlsplit(request.url)
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        self.sent.append(Sent(request.method, request.url, url.path, parse_qsl(url.query, keep_blank_values=True),
                              request.headers.get("X-Consul-Token"), json.loads(body) if body else None,
                              kwargs.get("timeout"), kwargs.get("verify"), kwargs.get("cert")))
        status, answer, headers = self.answers.get((request.method, url.path), (404, "", {}))
        response = requests.Response()
        response.status_code = status
        response._content = (answer if isinstance(answer, str) else json.dumps(answer)).encode()
        response.headers = CaseInsensitiveDict(headers)
        response.url, response.request, response.encoding = request.url, request, "utf-8"
        return response

    def only(self):
        assert len(self.sent) == 1, self.sent
        return self.sent[0]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("CONSUL_HTTP_ADDR", "CONSUL_HTTP_SSL_VERIFY", "CONSUL_HTTP_TOKEN", "CONSUL_HTTP_TOKEN_FILE",
                 "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(cc.time, "sleep", lambda seconds: None)


@pytest.fixture
def agent(monkeypatch):
    return Agent(monkeypatch)


def client(**params):
    params.setdefault("token", "t0k")
    return cc.ConsulClient(params)


# connection options on every request -------------------------------------------------------------

def test_tls_files_timeout_and_token_go_with_every_request(agent):
    agent.on("GET", "/v1/agent/services", body={})
    client(scheme="https", host="consul.example", ca_path="/etc/ca.pem", client_cert="/c.pem", client_key="/k.pem",
           request_timeout=3.5).agent_services()
    sent = agent.only()
    assert sent.url == "https://consul.example:8501/v1/agent/services"
    assert (sent.verify, sent.cert, sent.timeout, sent.token) == ("/etc/ca.pem", ("/c.pem", "/k.pem"), 3.5, "t0k")


def test_a_certificate_with_its_key_in_the_same_file_and_verification_off(agent):
    agent.on("GET", "/v1/agent/services", body={})
    client(scheme="https", port=9501, ca_path="/etc/ca.pem", validate_certs=False, client_cert="/both.pem").agent_services()
    sent = agent.only()
    assert sent.url.startswith("https://127.0.0.1:9501/") and (sent.verify, sent.cert) == (False, "/both.pem")


def test_no_tls_files_and_the_default_timeout(agent):
    agent.on("GET", "/v1/agent/services", body={})
    cc.ConsulClient({}).agent_services()
    sent = agent.only()
    assert (sent.verify, sent.cert, sent.timeout, sent.token) == (True, None, 10.0, None)
    assert sent.url == "http://127.0.0.1:8500/v1/agent/services"


@pytest.mark.parametrize("value,verify", [("0", False), ("false", False), ("no", False), (" Off ", False),
                                          ("1", True), ("TRUE", True), ("yes", True), (" on\n", True)])
def test_consul_http_ssl_verify_as_the_consul_cli_reads_it(agent, monkeypatch, value, verify):
    monkeypatch.setenv("CONSUL_HTTP_SSL_VERIFY", value)
    assert cc.resolve_connection({})["validate_certs"] is verify
    assert cc.resolve_connection({"validate_certs": not verify})["validate_certs"] is (not verify)


def test_the_consul_cli_variables_are_left_as_they_were(agent, monkeypatch):
    monkeypatch.setenv("CONSUL_HTTP_ADDR", "https://consul.example:8601")
    monkeypatch.setenv("CONSUL_HTTP_TOKEN", "from-env")
    made = cc.ConsulClient({"token": "explicit"})
    assert made.url == "https://consul.example:8601" and made.api.token == "explicit"
    assert cc.os.environ["CONSUL_HTTP_ADDR"] == "https://consul.example:8601"
    assert cc.os.environ["CONSUL_HTTP_TOKEN"] == "from-env"


def test_an_address_without_a_port_takes_the_schemes_default_and_an_explicit_scheme_wins(monkeypatch):
    monkeypatch.setenv("CONSUL_HTTP_ADDR", "consul.example")
    assert [cc.resolve_connection({})[k] for k in ("scheme", "host", "port")] == ["http", "consul.example", 8500]
    monkeypatch.setenv("CONSUL_HTTP_ADDR", "http://consul.example:8500")
    assert [cc.resolve_connection({"scheme": "https"})[k] for k in ("scheme", "host", "port")] == \
        ["https", "consul.example", 8500]
    # a port alone is explicit too: the environment's address is not taken
    assert [cc.resolve_connection({"port": 7500})[k] for k in ("scheme", "host", "port")] == ["http", "127.0.0.1", 7500]


def test_a_request_timeout_given_as_none_is_the_default():
    assert cc.resolve_connection({"request_timeout": None})["request_timeout"] == 10.0
    assert cc.resolve_connection({"request_timeout": 2.5})["request_timeout"] == 2.5


def test_the_token_file_is_not_read_when_a_token_is_given(tmp_path):
    assert cc.resolve_connection({"token": "explicit", "token_file": str(tmp_path / "missing")})["token"] == "explicit"


# each call: what is sent, what comes back -----------------------------------------------------------

def test_agent_reads_send_the_token_and_make_an_empty_answer_empty(agent):
    consul = client()
    assert consul.agent_services() == {} and consul.agent_checks() == {}
    agent.on("GET", "/v1/agent/services", body={"web": {"ID": "web"}}).on("GET", "/v1/agent/checks", body={"c": {}})
    assert consul.agent_services() == {"web": {"ID": "web"}} and consul.agent_checks() == {"c": {}}
    assert consul.agent_service("web01") is None
    agent.on("GET", "/v1/agent/service/web01", body={"ID": "web01"})
    assert consul.agent_service("web01") == {"ID": "web01"}
    assert [(s.method, s.path, s.token) for s in agent.sent] == [
        ("GET", "/v1/agent/services", "t0k"), ("GET", "/v1/agent/checks", "t0k"),
        ("GET", "/v1/agent/services", "t0k"), ("GET", "/v1/agent/checks", "t0k"),
        ("GET", "/v1/agent/service/web01", "t0k"), ("GET", "/v1/agent/service/web01", "t0k")]


def test_a_service_is_registered_with_every_field_and_its_checks(agent):
    agent.on("PUT", "/v1/agent/service/register", body="true")
    client().register_service(dict(ID="web01", Name="web", Address="10.0.0.5", Port=80, Tags=["blue"], Meta={"v": "1"},
                                   Weights={"Passing": 3, "Warning": 1}, EnableTagOverride=True,
                                   Checks=[{"CheckID": "a", "TTL": "10s"}, {"CheckID": "b", "TTL": "20s"}]))
    sent = agent.only()
    assert (sent.path, sent.params, sent.token) == ("/v1/agent/service/register", [], "t0k")
    assert sent.body == dict(id="web01", name="web", address="10.0.0.5", port=80, tags=["blue"], meta={"v": "1"},
                             weights={"Passing": 3, "Warning": 1}, enabletagoverride=True,
                             checks=[{"CheckID": "a", "TTL": "10s"}, {"CheckID": "b", "TTL": "20s"}])


def test_a_service_without_checks_or_options_sends_none(agent):
    agent.on("PUT", "/v1/agent/service/register", body="true")
    registration = dict(ID="web01", Name="web", Checks=[])
    client().register_service(registration)
    assert agent.only().body == dict(id="web01", name="web")
    assert registration == dict(ID="web01", Name="web", Checks=[])


def test_deregistrations_name_what_they_remove(agent):
    agent.on("PUT", "/v1/agent/service/deregister/web01", body="true").on("PUT", "/v1/agent/check/deregister/c1", body="true")
    consul = client()
    consul.deregister_service("web01")
    consul.deregister_check("c1")
    assert [(s.method, s.path, s.token) for s in agent.sent] == [
        ("PUT", "/v1/agent/service/deregister/web01", "t0k"), ("PUT", "/v1/agent/check/deregister/c1", "t0k")]


def test_a_check_is_registered_under_its_id(agent):
    agent.on("PUT", "/v1/agent/check/register", body="true")
    registration = dict(CheckID="c1", Name="alive", TTL="10s", ServiceID="web01")
    client().register_check(registration)
    assert agent.only().body == dict(name="alive", ID="c1", TTL="10s", ServiceID="web01")
    assert registration == dict(CheckID="c1", Name="alive", TTL="10s", ServiceID="web01")


@pytest.mark.parametrize("enable,service_id,path,params", [
    (True, "web01", "/v1/agent/service/maintenance/web01", [("enable", "true"), ("reason", "deploy")]),
    (False, "web01", "/v1/agent/service/maintenance/web01", [("enable", "false"), ("reason", "deploy")]),
    (True, None, "/v1/agent/maintenance", [("enable", "true"), ("reason", "deploy")]),
    (False, None, "/v1/agent/maintenance", [("enable", "false"), ("reason", "deploy")]),
])
def test_maintenance_of_a_service_or_the_node(agent, enable, service_id, path, params):
    agent.on("PUT", path, body="true")
    client().set_maintenance(enable, "deploy", service_id=service_id)
    sent = agent.only()
    assert (sent.method, sent.path, sent.params, sent.token) == ("PUT", path, params, "t0k")


@pytest.mark.parametrize("enable,service_id,words", [
    (True, "web01", "enabling maintenance of service web01"), (False, "web01", "disabling maintenance of service web01"),
    (True, None, "enabling maintenance of the node"), (False, None, "disabling maintenance of the node")])
def test_a_failed_maintenance_names_what_it_did(agent, enable, service_id, words):
    agent.on("PUT", "/v1/agent/service/maintenance/web01", status=400, body="bad")
    agent.on("PUT", "/v1/agent/maintenance", status=400, body="bad")
    with pytest.raises(cc.ConsulError, match="^Consul rejected %s at " % words):
        client().set_maintenance(enable, service_id=service_id)


def test_the_node_address_is_the_members_address(agent):
    agent.on("GET", "/v1/agent/self", body={"Member": {"Addr": "10.0.0.7", "Name": "n1"}, "Config": {}})
    assert client().node_address() == "10.0.0.7"


def test_service_instances_ask_for_passing_ones_with_every_filter(agent):
    entries = [{"Node": {"Node": "n1"}, "Checks": [{"Status": "passing"}]}]
    agent.on("GET", "/v1/health/service/web", body=entries)
    consul = client(datacenter="dc9")
    assert consul.service_instances("web", tags=["blue", "v2"], datacenter="dc2", near="_agent",
                                    node_meta={"rack": "r1", "az": "a"}) == entries
    assert agent.sent[-1].params == [("passing", "1"), ("tag", "blue"), ("tag", "v2"), ("dc", "dc2"), ("near", "_agent"),
                                     ("node-meta", "az:a"), ("node-meta", "rack:r1")]
    assert agent.sent[-1].token == "t0k"
    consul.service_instances("web")
    assert agent.sent[-1].params == [("passing", "1"), ("dc", "dc9")]
    client().service_instances("web")
    assert agent.sent[-1].params == [("passing", "1")]


def test_service_instances_not_passing_keep_warning_ones_and_none_keeps_every_one(agent):
    entries = [{"Node": {"Node": n}, "Checks": [{"Status": "passing"}, {"Status": s}]}
               for n, s in (("n1", "passing"), ("n2", "warning"), ("n3", "critical"))]
    entries.append({"Node": {"Node": "n4"}, "Checks": None})
    agent.on("GET", "/v1/health/service/web", body=entries)
    consul = client()
    assert [e["Node"]["Node"] for e in consul.service_instances("web", passing=False)] == ["n1", "n2", "n4"]
    assert agent.sent[-1].params == []
    assert consul.service_instances("web", passing=None) == entries
    assert agent.sent[-1].params == []
    agent.answers.clear()
    assert consul.service_instances("web") == [] and consul.service_instances("web", passing=False) == []


def test_catalog_reads_with_the_datacenter_and_node_meta(agent):
    consul = client(datacenter="dc2")
    assert consul.catalog_nodes() == [] and consul.catalog_services() == {}
    agent.on("GET", "/v1/catalog/nodes", body=[{"Node": "n1"}]).on("GET", "/v1/catalog/services", body={"web": ["blue"]})
    assert consul.catalog_nodes(node_meta={"rack": "r1"}) == [{"Node": "n1"}]
    assert agent.sent[-1].params == [("dc", "dc2"), ("node-meta", "rack:r1")]
    assert consul.catalog_services() == {"web": ["blue"]}
    assert agent.sent[-1].params == [("dc", "dc2")]
    client().catalog_nodes()
    assert agent.sent[-1].params == [] and agent.sent[-1].token == "t0k"


def test_the_leader_is_its_address_or_empty(agent):
    consul = client()
    agent.on("GET", "/v1/status/leader", body='""')
    assert consul.leader() == ""
    agent.on("GET", "/v1/status/leader", body='"10.0.0.1:8300"')
    assert consul.leader() == "10.0.0.1:8300"


def test_autopilot_health_is_read_also_when_the_cluster_is_unhealthy(agent):
    health = {"Healthy": False, "Servers": [{"Name": "s1", "Healthy": False}]}
    agent.on("GET", "/v1/operator/autopilot/health", status=429, body=health)
    assert client().autopilot_health() == health
    agent.on("GET", "/v1/operator/autopilot/health", status=200, body=dict(health, Healthy=True))
    assert client().autopilot_health()["Healthy"] is True
    assert agent.sent[-1].token == "t0k"


def test_the_raft_index_of_a_read_stale_or_from_the_leader(agent):
    agent.on("GET", "/v1/catalog/services", body={}, headers={"X-Consul-Index": "1234"})
    consul = client()
    assert consul.raft_index("/v1/catalog/services") == 1234 and agent.sent[-1].params == []
    assert consul.raft_index("/v1/catalog/services", stale=True) == 1234
    assert agent.sent[-1].params == [("stale", "")] and agent.sent[-1].token == "t0k"
    agent.on("GET", "/v1/kv/x", body="", headers={"X-Consul-Index": "9"})
    assert consul.raft_index("/v1/kv/x") == 0


def test_prepared_queries_are_listed_written_and_deleted_in_the_datacenter(agent):
    agent.on("GET", "/v1/query", body=[{"ID": "q1"}]).on("POST", "/v1/query", body={"ID": "q2"})
    agent.on("PUT", "/v1/query/q1", body="").on("DELETE", "/v1/query/q1", body="true")
    consul = client(datacenter="dc2")
    definition = {"Name": "www", "Service": {"Service": "web"}}
    assert consul.prepared_queries() == [{"ID": "q1"}]
    assert consul.create_prepared_query(definition) == {"ID": "q2"}
    assert consul.update_prepared_query("q1", definition) is None
    consul.delete_prepared_query("q1")
    assert [(s.method, s.path, s.params, s.body, s.token) for s in agent.sent] == [
        ("GET", "/v1/query", [("dc", "dc2")], None, "t0k"), ("POST", "/v1/query", [("dc", "dc2")], definition, "t0k"),
        ("PUT", "/v1/query/q1", [("dc", "dc2")], definition, "t0k"), ("DELETE", "/v1/query/q1", [("dc", "dc2")], None, "t0k")]
    agent.answers.clear()
    assert client().prepared_queries() == [] and agent.sent[-1].params == []


def test_a_failed_query_write_names_the_query(agent):
    agent.on("POST", "/v1/query", status=400, body="Bad request: service missing")
    with pytest.raises(cc.ConsulError) as raised:
        client().create_prepared_query({"Name": "www"})
    assert str(raised.value) == "Consul rejected creating prepared query www at http://127.0.0.1:8500: 400 Bad request: service missing"
    assert raised.value.status == 400
    agent.on("PUT", "/v1/query/q1", status=400, body="bad")
    with pytest.raises(cc.ConsulError, match="^Consul rejected updating prepared query www at "):
        client().update_prepared_query("q1", {"Name": "www"})
    agent.on("DELETE", "/v1/query/q1", status=400, body="bad")
    with pytest.raises(cc.ConsulError, match="^Consul rejected deleting prepared query q1 at "):
        client().delete_prepared_query("q1")


def test_acl_calls_and_what_their_failures_name(agent):
    consul = client()
    assert consul.acl_list("policy") == [] and consul.acl_list("token") == []
    assert consul.acl_read("policy", "p1") is None
    agent.on("PUT", "/v1/acl/token", body={"AccessorID": "a1"}).on("PUT", "/v1/acl/policy/p1", body={"ID": "p1"})
    agent.on("DELETE", "/v1/acl/token/a1", body="true")
    assert consul.acl_write("token", {"Description": "d"}) == {"AccessorID": "a1"}
    assert consul.acl_write("policy", {"Name": "n"}, "p1") == {"ID": "p1"}
    assert consul.acl_delete("token", "a1") is None
    assert [(s.method, s.path, s.body, s.token) for s in agent.sent] == [
        ("GET", "/v1/acl/policies", None, "t0k"), ("GET", "/v1/acl/tokens", None, "t0k"), ("GET", "/v1/acl/policy/p1", None, "t0k"),
        ("PUT", "/v1/acl/token", {"Description": "d"}, "t0k"), ("PUT", "/v1/acl/policy/p1", {"Name": "n"}, "t0k"),
        ("DELETE", "/v1/acl/token/a1", None, "t0k")]
    for call, words in ((lambda: consul.acl_list("token"), "listing ACL tokens"),
                        (lambda: consul.acl_list("policy"), "listing ACL policies"),
                        (lambda: consul.acl_read("token", "a9"), "reading ACL token a9"),
                        (lambda: consul.acl_write("policy", {}), r"writing ACL policy \(new\)"),
                        (lambda: consul.acl_write("token", {}, "a9"), "writing ACL token a9"),
                        (lambda: consul.acl_delete("policy", "p9"), "deleting ACL policy p9"),
                        (consul.acl_bootstrap, "bootstrapping ACLs"),
                        (consul.acl_token_self, "reading the ACL token in use")):
        agent.answers = dict((key, (400, "bad", {})) for key in [(m, p) for m in ("GET", "PUT", "DELETE") for p in (
            "/v1/acl/tokens", "/v1/acl/policies", "/v1/acl/token/a9", "/v1/acl/policy", "/v1/acl/token/a9",
            "/v1/acl/policy/p9", "/v1/acl/bootstrap", "/v1/acl/token/self")])
        with pytest.raises(cc.ConsulError, match="^Consul rejected %s at http://127.0.0.1:8500: 400 bad$" % words):
            call()


def test_the_bootstrap_sends_no_token_and_token_self_the_one_asked_about(agent):
    agent.on("PUT", "/v1/acl/bootstrap", body={"SecretID": "s"}).on("GET", "/v1/acl/token/self", body={"AccessorID": "a"})
    consul = client()
    assert consul.acl_bootstrap() == {"SecretID": "s"}
    assert consul.acl_token_self() == {"AccessorID": "a"}
    assert consul.acl_token_self(token="other") == {"AccessorID": "a"}
    assert [s.token for s in agent.sent] == [None, "t0k", "other"]


def test_an_answer_that_is_no_json_fails_naming_the_request(agent):
    agent.on("GET", "/v1/agent/services", body="<html>proxy</html>")
    with pytest.raises(cc.ConsulError, match="^Consul failed reading the agent's services at .*Failed to decode JSON"):
        client().agent_services()


# failures: their message, their status, whether they are sent again -----------------------------------

def test_a_refusal_names_the_request_the_agent_and_consuls_words(agent):
    agent.on("GET", "/v1/agent/checks", status=403, body="Permission denied\n")
    with pytest.raises(cc.ConsulDenied) as raised:
        client().agent_checks()
    assert str(raised.value) == ("Consul denied reading the agent's checks at http://127.0.0.1:8500 (HTTP 403, ACL): "
                                 "the token lacks the permission. Permission denied")
    assert (raised.value.status, raised.value.answer) == (403, "Permission denied")
    assert len(agent.sent) == 1


def test_a_server_error_is_tried_again_and_counted(agent):
    agent.on("GET", "/v1/agent/checks", status=503, body="Service Unavailable")
    with pytest.raises(cc.ConsulError) as raised:
        client().agent_checks()
    assert str(raised.value) == ("Consul failed reading the agent's checks at http://127.0.0.1:8500: "
                                 "503 Service Unavailable (6 tries)")
    assert (raised.value.status, raised.value.answer) == (503, "503 Service Unavailable")
    assert len(agent.sent) == 6


def test_a_final_server_error_says_no_tries(agent):
    agent.on("GET", "/v1/agent/checks", status=500, body="Invalid Policy")
    with pytest.raises(cc.ConsulError) as raised:
        client().agent_checks()
    assert str(raised.value) == "Consul failed reading the agent's checks at http://127.0.0.1:8500: 500 Invalid Policy"
    assert len(agent.sent) == 1


def test_a_rejection_keeps_its_status_and_consuls_words(agent):
    agent.on("PUT", "/v1/acl/policy", status=409, body="conflict\n")
    with pytest.raises(cc.ConsulError) as raised:
        client().acl_write("policy", {"Name": "x"})
    assert (raised.value.status, raised.value.answer) == (409, "409 conflict")
    assert str(raised.value) == "Consul rejected writing ACL policy (new) at http://127.0.0.1:8500: 409 conflict"


@pytest.mark.parametrize("message,kind", [
    ("500 rpc error making call: stream closed", cc.MAYBE_SENT), ("500 rpc error making call: EOF", cc.MAYBE_SENT),
    ("500 read: connection reset by peer", cc.MAYBE_SENT), ("500 write: broken pipe", cc.MAYBE_SENT),
    ("502 Bad Gateway", cc.MAYBE_SENT), ("503 x", cc.MAYBE_SENT), ("504 Gateway Timeout", cc.MAYBE_SENT),
    ("500 No cluster leader", cc.NOT_SENT), ("500 rpc error getting client: x", cc.NOT_SENT),
    ("500 Invalid Policy", cc.FINAL), ("501 Not Implemented", cc.FINAL), ("oops 503", cc.FINAL),
    (" 500 No cluster leader", cc.NOT_SENT),
])
def test_what_a_consul_error_says_of_the_request(message, kind):
    assert cc.failure_kind(cc.ConsulException(message)) == kind


def test_what_a_transport_error_says_of_the_request():
    assert cc.failure_kind(requests.exceptions.ConnectTimeout("connect timed out")) == cc.NOT_SENT
    assert cc.failure_kind(requests.exceptions.ReadTimeout("read timed out")) == cc.MAYBE_SENT
    assert cc.failure_kind(requests.exceptions.SSLError("bad certificate")) == cc.FINAL
    assert cc.failure_kind(requests.exceptions.ConnectionError("Connection aborted")) == cc.MAYBE_SENT
    assert cc.failure_kind(cc.ACLPermissionDenied("500 No cluster leader")) == cc.FINAL
    assert cc.failure_kind(cc.ClientError("409 conflict")) == cc.FINAL
    assert cc.failure_kind(ValueError("x")) is None


def test_a_refused_connection_is_found_however_it_is_wrapped():
    refused = ConnectionRefusedError(111, "Connection refused")
    # requests' error around urllib3's retry error (its reason) around the socket's
    inner = requests.exceptions.ConnectionError("pool")
    inner.reason = refused
    assert cc._connection_refused(requests.exceptions.ConnectionError(inner))
    chained = requests.exceptions.ConnectionError("max retries")
    chained.__cause__ = refused
    assert cc._connection_refused(chained)
    contextual = requests.exceptions.ConnectionError("max retries")
    contextual.__context__ = refused
    assert cc._connection_refused(contextual)
    assert not cc._connection_refused(requests.exceptions.ConnectionError("Connection aborted", OSError("reset")))
    looped = requests.exceptions.ConnectionError("a")
    looped.__cause__ = looped
    assert not cc._connection_refused(looped)


def test_the_root_cause_is_the_innermost_operating_system_error():
    reset = ConnectionResetError(104, "Connection reset by peer")
    retries = Exception("Max retries exceeded")     # urllib3's retry error: no OSError
    retries.__cause__ = reset
    assert cc._root_cause(requests.exceptions.ConnectionError(retries)) == "Connection reset by peer"
    assert cc._root_cause(requests.exceptions.ConnectionError(Exception("no reason"))) == "no reason"
    reasoned = requests.exceptions.ConnectionError("pool")
    reasoned.reason = reset
    assert cc._root_cause(reasoned) == "Connection reset by peer"
    looped = requests.exceptions.ConnectionError("loop")
    looped.__context__ = looped
    assert cc._root_cause(looped) == "loop"


def test_a_lost_connection_says_why_and_how_often_it_was_tried():
    def lost(*args, **kwargs):
        exc = requests.exceptions.ConnectionError("Connection aborted")
        exc.__cause__ = ConnectionResetError(104, "Connection reset by peer")
        raise exc

    with pytest.raises(cc.ConsulError) as raised:
        cc.ConsulClient({}).call("reading x", lost)
    assert str(raised.value) == ("cannot reach the Consul agent at http://127.0.0.1:8500 for reading x: "
                                 "Connection reset by peer (6 tries)")
    assert raised.value.status is None


def test_a_timeout_names_the_request_timeout():
    def slow(*args, **kwargs):
        raise requests.exceptions.ReadTimeout("read timed out")

    with pytest.raises(cc.ConsulError) as raised:
        cc.ConsulClient({"request_timeout": 2.5}, retry=False).call("reading x", slow)
    assert str(raised.value) == "the Consul agent at http://127.0.0.1:8500 did not answer reading x within 2.5s"


def test_the_tries_wait_longer_each_time(monkeypatch):
    slept = []
    monkeypatch.setattr(cc.time, "sleep", slept.append)
    with pytest.raises(cc.ConsulError):
        cc.ConsulClient({}).call("reading x", lambda: (item for item in ()).throw(cc.ConsulException("503 x")))
    assert slept == [0.25, 0.5, 1, 2, 4]


@pytest.mark.parametrize("last_took,tries", [(8.25, 6), (8.5, 5)])
def test_the_last_try_may_start_at_the_budget_and_not_after(monkeypatch, last_took, tries):
    """Five tries taking 1, 1, 1, 1 and ``last_took`` seconds, the waits between them 3.75 s: the sixth
    would start at 20 s (RETRY_BUDGET) after 8.25 s, later after 8.5 s."""
    now = [0.0]
    monkeypatch.setattr(cc.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(cc.time, "sleep", lambda seconds: now.__setitem__(0, now[0] + seconds))
    took = [1.0, 1.0, 1.0, 1.0, last_took, 1.0]
    started = []

    def busy(*args, **kwargs):
        started.append(now[0])
        now[0] += took[len(started) - 1]
        raise cc.ConsulException("503 x")

    with pytest.raises(cc.ConsulError, match=r"\(%d tries\)$" % tries):
        cc.ConsulClient({}).call("reading x", busy)
    assert started == [0.0, 1.25, 2.75, 4.75, 7.75, 20.0][:tries]


def test_client_from_module_fails_the_module_with_the_clients_message():
    failed = []

    class Module(object):
        params = {"client_key": "/k.pem"}

        def fail_json(self, **result):
            failed.append(result)
            raise SystemExit(1)

    with pytest.raises(SystemExit):
        cc.client_from_module(Module())
    assert failed == [{"msg": "client_key is set but client_cert is not: both are needed for a client certificate"}]
    Module.params = {"host": "consul.example"}
    assert cc.client_from_module(Module(), retry=False).url == "http://consul.example:8500"
    assert cc.client_from_module(Module(), retry=False).retry is False
    assert cc.client_from_module(Module()).retry is True


def test_without_py_consul_the_module_fails_naming_the_library(monkeypatch):
    failed = []

    class Module(object):
        params = {}

        def fail_json(self, **result):
            failed.append(result)
            raise SystemExit(1)

    monkeypatch.setattr(cc, "HAS_CONSUL", False)
    monkeypatch.setattr(cc, "CONSUL_IMPORT_ERROR", "Traceback: no consul")
    with pytest.raises(SystemExit):
        cc.client_from_module(Module())
    assert "py-consul" in failed[0]["msg"] and failed[0]["exception"] == "Traceback: no consul"
    with pytest.raises(cc.ConsulError, match="^the py-consul Python library is required$"):
        cc.ConsulClient({})


# every failure names the request it was ---------------------------------------------------------------

@pytest.mark.parametrize("method,path,call,words", [
    ("GET", "/v1/agent/service/web01", lambda c: c.agent_service("web01"), "reading service web01"),
    ("GET", "/v1/operator/autopilot/health", lambda c: c.autopilot_health(), "reading Raft health"),
    ("GET", "/v1/catalog/nodes", lambda c: c.catalog_nodes(), "reading the catalog's nodes"),
    ("GET", "/v1/catalog/services", lambda c: c.catalog_services(), "reading the catalog's services"),
    ("GET", "/v1/query", lambda c: c.prepared_queries(), "listing prepared queries"),
    ("GET", "/v1/kv/x", lambda c: c.raft_index("/v1/kv/x"), "reading /v1/kv/x"),
    ("GET", "/v1/status/leader", lambda c: c.leader(), "reading the leader"),
    ("GET", "/v1/agent/self", lambda c: c.node_address(), "reading the agent's own description"),
    ("GET", "/v1/health/service/web", lambda c: c.service_instances("web"), "reading the health of service web"),
    ("PUT", "/v1/agent/check/deregister/c1", lambda c: c.deregister_check("c1"), "deregistering check c1"),
    ("PUT", "/v1/agent/service/deregister/web01", lambda c: c.deregister_service("web01"), "deregistering service web01"),
    ("PUT", "/v1/agent/check/register", lambda c: c.register_check(dict(CheckID="c1", Name="alive", TTL="10s")),
     "registering check c1"),
    ("PUT", "/v1/agent/service/register", lambda c: c.register_service(dict(ID="web01", Name="web")),
     "registering service web01"),
])
def test_a_rejected_request_is_named_in_the_message(agent, method, path, call, words):
    agent.on(method, path, status=400, body="bad input")
    with pytest.raises(cc.ConsulError) as raised:
        call(client())
    assert str(raised.value) == "Consul rejected %s at http://127.0.0.1:8500: 400 bad input" % words


def test_a_service_given_without_a_checks_field_is_registered_without_checks(agent):
    agent.on("PUT", "/v1/agent/service/register", body="true")
    client().register_service(dict(ID="web01", Name="web", Port=80))
    assert agent.only().body == dict(id="web01", name="web", port=80)


# what is created is sent once unless it certainly reached no server --------------------------------------

@pytest.mark.parametrize("method,path,call", [
    ("POST", "/v1/query", lambda c: c.create_prepared_query({"Name": "www"})),
    ("PUT", "/v1/acl/bootstrap", lambda c: c.acl_bootstrap()),
    ("PUT", "/v1/acl/token", lambda c: c.acl_write("token", {"Description": "d"})),
])
def test_a_creation_that_may_have_reached_a_server_is_not_sent_again(agent, method, path, call):
    """Twice, it would make two queries or tokens; a second bootstrap is refused and the first token lost."""
    agent.on(method, path, status=503, body="Service Unavailable")
    with pytest.raises(cc.ConsulError, match=r"503 Service Unavailable$"):
        call(client())
    assert len(agent.sent) == 1
    agent.on(method, path, status=500, body="No cluster leader")
    agent.sent = []
    with pytest.raises(cc.ConsulError, match=r"No cluster leader \(6 tries\)$"):
        call(client())
    assert len(agent.sent) == 6


@pytest.mark.parametrize("method,path,call", [
    ("PUT", "/v1/query/q1", lambda c: c.update_prepared_query("q1", {"Name": "www"})),
    ("PUT", "/v1/acl/token/a1", lambda c: c.acl_write("token", {"Description": "d"}, "a1")),
    ("GET", "/v1/status/leader", lambda c: c.leader()),
])
def test_an_update_or_a_read_that_may_have_reached_a_server_is_sent_again(agent, method, path, call):
    agent.on(method, path, status=503, body="Service Unavailable")
    with pytest.raises(cc.ConsulError, match=r"\(6 tries\)$"):
        call(client())
    assert len(agent.sent) == 6


def test_a_name_that_does_not_resolve_reached_no_server():
    """urllib3's NewConnectionError: no connection was made (here a name that does not resolve, no socket error inside)."""
    failed = urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection: [Errno -2] Name or service not known")
    retries = urllib3.exceptions.MaxRetryError(None, "/v1/acl/token", failed)
    assert cc._connection_refused(requests.exceptions.ConnectionError(retries, request=None))
    assert cc.failure_kind(requests.exceptions.ConnectionError(retries)) == cc.NOT_SENT


# the exact words of the connection failures ------------------------------------------------------------

def test_the_words_of_a_token_file_that_cannot_be_read_or_is_empty(tmp_path):
    missing = tmp_path / "missing"
    with pytest.raises(cc.ConsulError) as raised:
        cc.read_token_file(str(missing))
    assert str(raised.value) == "token_file %s cannot be read: No such file or directory" % missing
    empty = tmp_path / "empty"
    empty.write_text(" \n")
    with pytest.raises(cc.ConsulError) as raised:
        cc.read_token_file(str(empty))
    assert str(raised.value) == "token_file %s is empty" % empty


@pytest.mark.parametrize("addr,message", [
    ("unix:///tmp/consul.sock", "CONSUL_HTTP_ADDR=unix:///tmp/consul.sock: only http:// and https:// addresses are supported"),
    ("consul:85OO", "CONSUL_HTTP_ADDR=consul:85OO: the port is not a number"),
])
def test_the_words_of_a_consul_http_addr_that_cannot_be_used(monkeypatch, addr, message):
    monkeypatch.setenv("CONSUL_HTTP_ADDR", addr)
    with pytest.raises(cc.ConsulError) as raised:
        cc.resolve_connection({})
    assert str(raised.value) == message


def test_the_words_of_a_tls_refusal_and_of_a_verification_failure():
    consul = cc.ConsulClient({"scheme": "https"})
    alert = requests.exceptions.SSLError("[SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert certificate required (_ssl.c:2580)")
    assert str(consul._error("reading x", alert, 1)) == (
        "the Consul agent at https://127.0.0.1:8501 refused the TLS handshake (tlsv13 alert certificate required): it "
        "verifies its clients (verify_incoming); give client_cert and client_key signed by its CA")
    verify = requests.exceptions.SSLError("certificate verify failed: self-signed certificate")
    assert str(consul._error("reading x", verify, 1)) == (
        "TLS verification failed talking to the Consul agent at https://127.0.0.1:8501: certificate verify failed: "
        "self-signed certificate. Set ca_path to the CA that signed the agent's certificate (or validate_certs: false, "
        "not recommended)")
