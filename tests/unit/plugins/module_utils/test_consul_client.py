from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.discovery.consul_dns.plugins.module_utils import consul_client as cc


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("CONSUL_HTTP_ADDR", "CONSUL_HTTP_SSL_VERIFY", "CONSUL_HTTP_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def test_defaults():
    conn = cc.resolve_connection({})
    assert (conn["scheme"], conn["host"], conn["port"], conn["validate_certs"]) == ("http", "127.0.0.1", 8500, True)
    assert conn["request_timeout"] == 10.0


@pytest.mark.parametrize("addr,expected", [
    ("10.0.0.5:8500", ("http", "10.0.0.5", 8500)),
    ("https://consul.example:8501", ("https", "consul.example", 8501)),
    ("https://consul.example", ("https", "consul.example", 8501)),
    ("http://[::1]:8500", ("http", "::1", 8500)),
])
def test_consul_http_addr(monkeypatch, addr, expected):
    monkeypatch.setenv("CONSUL_HTTP_ADDR", addr)
    conn = cc.resolve_connection({})
    assert (conn["scheme"], conn["host"], conn["port"]) == expected


def test_explicit_options_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("CONSUL_HTTP_ADDR", "https://elsewhere:9999")
    monkeypatch.setenv("CONSUL_HTTP_SSL_VERIFY", "false")
    conn = cc.resolve_connection({"host": "127.0.0.1", "validate_certs": True})
    assert (conn["scheme"], conn["host"], conn["port"], conn["validate_certs"]) == ("http", "127.0.0.1", 8500, True)
    assert cc.resolve_connection({})["validate_certs"] is False


@pytest.mark.parametrize("addr,message", [("unix:///tmp/consul.sock", "only http"), ("host:port", "not a number")])
def test_bad_consul_http_addr(monkeypatch, addr, message):
    monkeypatch.setenv("CONSUL_HTTP_ADDR", addr)
    with pytest.raises(cc.ConsulError, match=message):
        cc.resolve_connection({})


def test_client_key_without_certificate():
    with pytest.raises(cc.ConsulError, match="client_key is set but client_cert is not"):
        cc.resolve_connection({"client_key": "/k.pem"})


def test_explicit_token_wins_over_environment(monkeypatch):
    monkeypatch.setenv("CONSUL_HTTP_TOKEN", "from-env")
    assert cc.ConsulClient({"token": "explicit"}).api.token == "explicit"


def test_a_token_file_is_read_where_the_client_runs_and_an_explicit_token_wins(tmp_path, monkeypatch):
    token_file = tmp_path / "agent.token"
    token_file.write_text("  from-file\n")
    assert cc.resolve_connection({"token_file": str(token_file)})["token"] == "from-file"
    assert cc.resolve_connection({"token_file": str(token_file), "token": "explicit"})["token"] == "explicit"
    monkeypatch.delenv("CONSUL_HTTP_TOKEN", raising=False)
    assert cc.ConsulClient({"token_file": str(token_file)}).api.token == "from-file"


@pytest.mark.parametrize("content,message", [(None, "cannot be read"), ("\n", "is empty")])
def test_a_token_file_that_gives_no_token_is_named(tmp_path, content, message):
    token_file = tmp_path / "agent.token"
    if content is not None:
        token_file.write_text(content)
    with pytest.raises(cc.ConsulError, match="token_file %s %s" % (token_file, message)):
        cc.resolve_connection({"token_file": str(token_file)})


def test_root_cause_of_a_connection_error():
    """A real refused connection (loopback, a port nothing listens on): the socket's own words."""
    with pytest.raises(cc.requests.exceptions.ConnectionError) as refused:
        cc.requests.get("http://127.0.0.1:1/", timeout=2)
    assert cc._root_cause(refused.value) == "Connection refused"
    assert cc._root_cause(Exception("something else")) == "something else"


def _raise(exc):
    raise exc


@pytest.mark.parametrize("reason,says,not_says", [
    ("[SSL: SSLV3_ALERT_BAD_CERTIFICATE] sslv3 alert bad certificate (_ssl.c:2580)",
     "refused the TLS handshake (sslv3 alert bad certificate)", "ca_path"),
    ("[SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert certificate required (_ssl.c:2580)",
     "give client_cert and client_key", "ca_path"),
    ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate",
     "Set ca_path", "refused the TLS handshake"),
])
def test_a_tls_failure_says_which_side_found_fault(reason, says, not_says):
    client = cc.ConsulClient({"scheme": "https"})
    exc = cc.requests.exceptions.SSLError("HTTPSConnectionPool(host='127.0.0.1', port=8501): (Caused by SSLError(%r))" % reason)
    with pytest.raises(cc.ConsulError) as raised:
        client.call("reading x", _raise, exc)
    assert says in str(raised.value) and not_says not in str(raised.value)


class _Answers:
    """A stand-in for a py-consul call: raises the error statuses given, then returns "done"."""

    def __init__(self, *errors):
        self.errors = list(errors)
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.errors:
            raise cc.ConsulException(self.errors.pop(0))
        return "done"


@pytest.fixture
def slept(monkeypatch):
    delays = []
    monkeypatch.setattr(cc.time, "sleep", delays.append)
    return delays


@pytest.mark.parametrize("answer", [
    "500 rpc error making call: stream closed",    # what the lab's client agents said after a rolling restart
    "500 rpc error making call: EOF",
    "500 No cluster leader",
    "500 rpc error making call: rpc error making call: No cluster leader",
    "500 rpc error getting client: failed to get conn: dial tcp 10.0.0.1:8300: connect: connection refused",
    # the keyring listing of the lab's status view, a member not answering Consul's query in time
    "500 1 error occurred:\n\t* bj (LAN) error: 7/8 nodes reported success",
])
def test_a_request_that_did_not_reach_the_servers_is_sent_again(slept, answer):
    call = _Answers(answer, answer)
    assert cc.ConsulClient({}).call("reading x", call) == "done"
    assert call.calls == 3 and slept == list(cc.RETRY_DELAYS[:2])


def test_tries_end_after_the_delays_naming_the_last_answer(slept):
    call = _Answers(*["500 rpc error making call: stream closed"] * 10)
    with pytest.raises(cc.ConsulError) as raised:
        cc.ConsulClient({}).call("reading x", call)
    assert call.calls == len(cc.RETRY_DELAYS) + 1 and slept == list(cc.RETRY_DELAYS)
    assert str(raised.value) == ("Consul failed reading x at http://127.0.0.1:8500: "
                                 "500 rpc error making call: stream closed (6 tries)")


@pytest.mark.parametrize("answer", ["500 ACL not found", "500 Invalid Policy: A Policy with Name x already exists",
                                    "500 The ACL system is currently in legacy mode."])
def test_other_failures_are_not_sent_again(slept, answer):
    call = _Answers(answer)
    with pytest.raises(cc.ConsulError) as raised:
        cc.ConsulClient({}).call("reading x", call)
    assert call.calls == 1 and slept == [] and str(raised.value).endswith(": " + answer)


def _creating(client, call):
    """acl_write of a new token through ``call`` in place of py-consul's PUT."""
    client.api.http.put = call
    return client.acl_write("token", {"Description": "x"})


def test_a_creation_is_sent_again_only_when_it_certainly_reached_no_server(slept):
    client = cc.ConsulClient({})
    call = _Answers("500 No cluster leader")
    assert _creating(client, call) == "done" and call.calls == 2
    call = _Answers("500 rpc error making call: stream closed")
    with pytest.raises(cc.ConsulError, match="stream closed$"):
        _creating(client, call)
    assert call.calls == 1


class _Raises:
    """A stand-in for a py-consul call that raises the given exceptions, then returns "done"."""

    def __init__(self, *errors):
        self.errors = list(errors)
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


def _refused():
    try:
        cc.requests.get("http://127.0.0.1:1/", timeout=2)
    except cc.requests.exceptions.ConnectionError as exc:
        return exc
    raise AssertionError("something listens on port 1")


@pytest.mark.parametrize("error", [cc.ACLPermissionDenied("403 ACL not found"), cc.BadRequest("400 bad"),
                                   cc.NotFound("404 no such thing")])
def test_a_client_error_is_never_sent_again_whatever_its_text(slept, error):
    call = _Raises(error)
    with pytest.raises(cc.ConsulError) as raised:
        cc.ConsulClient({}).call("reading x 500 No cluster leader", call)
    assert call.calls == 1 and slept == []
    assert raised.value.status == int(str(error)[:3])
    assert isinstance(raised.value, cc.ConsulDenied) == isinstance(error, cc.ACLPermissionDenied)


def test_a_refused_connection_is_sent_again_even_for_a_creation(slept):
    assert cc.failure_kind(_refused()) == cc.NOT_SENT
    client = cc.ConsulClient({})
    call = _Raises(_refused(), _refused())
    client.api.http.put = call
    assert client.acl_write("token", {"Description": "x"}) == "done" and call.calls == 3


@pytest.mark.parametrize("error", [cc.requests.exceptions.ReadTimeout("read timed out"),
                                   cc.ConsulException("503 Service Unavailable")])
def test_what_may_have_reached_a_server_is_sent_again_unless_it_creates(slept, error):
    assert cc.ConsulClient({}).call("reading x", _Raises(error)) == "done"
    client = cc.ConsulClient({})
    client.api.http.put = call = _Raises(error)
    with pytest.raises(cc.ConsulError):
        client.acl_write("token", {"Description": "x"})
    assert call.calls == 1


def test_a_client_that_polls_itself_tries_once(slept):
    call = _Raises(_refused())
    with pytest.raises(cc.ConsulError, match="^cannot reach the Consul agent at http://127.0.0.1:8500 for reading x: "):
        cc.ConsulClient({}, retry=False).call("reading x", call)
    assert call.calls == 1 and slept == []


def test_tries_end_within_the_budget(monkeypatch, slept):
    """Each try that times out takes request_timeout: no try starts after RETRY_BUDGET."""
    now = [0.0]
    monkeypatch.setattr(cc.time, "monotonic", lambda: now[0])

    def timed_out(*args, **kwargs):
        now[0] += 10
        raise cc.requests.exceptions.ReadTimeout("read timed out")

    with pytest.raises(cc.ConsulError, match=r"did not answer reading x within 10.0s \(2 tries\)$"):
        cc.ConsulClient({}).call("reading x", timed_out)
