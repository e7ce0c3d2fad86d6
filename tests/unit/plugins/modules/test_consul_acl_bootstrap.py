"""consul_acl_bootstrap and consul_acl_token_info run against a fake of Consul's ACL HTTP API: the
bootstrap request carries no token, a working token asks nothing more, a bootstrapped cluster is
reported with its reset index, server errors are asked again; token_info never returns the secret."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest
from fake_clock import FakeClock
from fake_consul_api import MANAGEMENT, FakeConsul
from module_run import run_module

from ansible_collections.discovery.consul_dns.plugins.module_utils import consul_client
from ansible_collections.discovery.consul_dns.plugins.modules import consul_acl_bootstrap, consul_acl_token_info


@pytest.fixture(autouse=True)
def no_consul_environment(monkeypatch):
    for name in ("CONSUL_HTTP_ADDR", "CONSUL_HTTP_TOKEN", "CONSUL_HTTP_TOKEN_FILE", "CONSUL_HTTP_SSL_VERIFY"):
        monkeypatch.delenv(name, raising=False)
    # the client's own retries wait on nothing
    monkeypatch.setattr(consul_client.time, "sleep", lambda seconds: None)


def run(monkeypatch, consul, module=consul_acl_bootstrap, **args):
    consul.install(monkeypatch)
    return run_module(monkeypatch, module, None, **args)


def bootstraps(consul):
    return [r for r in consul.requests if (r.method, r.path) == ("PUT", "/v1/acl/bootstrap")]


def test_a_new_cluster_gives_its_management_token(monkeypatch):
    consul = FakeConsul(bootstrapped=False)
    result = run(monkeypatch, consul, _ansible_diff=True)
    assert result["changed"] is True and "failed" not in result
    token = consul.tokens["management"]
    assert (result["accessor_id"], result["secret_id"]) == (token["AccessorID"], token["SecretID"])
    assert "token_valid" not in result and "reset_index" not in result
    assert result["diff"] == dict(before=dict(bootstrapped=False), after=dict(bootstrapped=True))
    assert [r.token for r in bootstraps(consul)] == [None]


def test_a_bootstrapped_cluster_is_reported_with_its_reset_index_unchanged(monkeypatch):
    consul = FakeConsul(reset_index=27)
    result = run(monkeypatch, consul, _ansible_diff=True)
    assert result["changed"] is False and "failed" not in result
    assert result["reset_index"] == 27 and "secret_id" not in result and "token_valid" not in result
    assert result["diff"] == dict(before=dict(bootstrapped=True), after=dict(bootstrapped=True))


def test_a_working_token_asks_nothing_more(monkeypatch):
    consul = FakeConsul()
    result = run(monkeypatch, consul, token=MANAGEMENT)
    assert result["changed"] is False and result["token_valid"] is True
    assert "reset_index" not in result and "secret_id" not in result
    assert [(r.method, r.path, r.token) for r in consul.requests] == [("GET", "/v1/acl/token/self", MANAGEMENT)]


def test_a_token_consul_does_not_know_is_reported_with_the_reset_index(monkeypatch):
    consul = FakeConsul()
    result = run(monkeypatch, consul, token="of-another-cluster")
    assert result["changed"] is False and result["token_valid"] is False and result["reset_index"] == 13
    # the bootstrap request carries no token, not even the one given
    assert [r.token for r in bootstraps(consul)] == [None]


def test_a_token_of_a_cluster_never_bootstrapped_does_not_stop_the_bootstrap(monkeypatch):
    consul = FakeConsul(bootstrapped=False)
    result = run(monkeypatch, consul, token="from-an-old-cluster")
    assert result["changed"] is True and result["token_valid"] is False
    assert result["secret_id"] == consul.tokens["management"]["SecretID"]


def test_check_mode_asks_for_no_token(monkeypatch):
    consul = FakeConsul(bootstrapped=False)
    result = run(monkeypatch, consul, _ansible_check_mode=True)
    assert result["changed"] is True and bootstraps(consul) == [] and consul.tokens == {}
    assert "secret_id" not in result and "accessor_id" not in result
    consul = FakeConsul()
    result = run(monkeypatch, consul, _ansible_check_mode=True, token=MANAGEMENT)
    assert result["changed"] is False and result["token_valid"] is True


def test_server_errors_are_asked_again_until_consul_answers(monkeypatch):
    consul = FakeConsul(bootstrapped=False)
    consul.script = [(500, "The ACL system is currently in legacy mode."), (500, "No cluster leader")] * 3
    result = run(monkeypatch, consul, poll_interval=0.001)
    assert result["changed"] is True and result["secret_id"] == consul.tokens["management"]["SecretID"]


def test_server_errors_past_the_timeout_fail_with_consuls_words(monkeypatch):
    consul = FakeConsul(bootstrapped=False)
    consul.script = [(500, "The ACL system is currently in legacy mode.")] * 1000
    result = run(monkeypatch, consul, timeout=0.05, poll_interval=0.01)
    assert result["failed"] is True and result["status"] == 500 and result["changed"] is False
    assert result["msg"].startswith("Consul failed bootstrapping ACLs at http://127.0.0.1:8500: "
                                    "500 The ACL system is currently in legacy mode.")
    assert 2 <= len(bootstraps(consul)) < 1000


def test_a_refusal_without_reset_index_fails_at_once(monkeypatch):
    consul = FakeConsul(bootstrapped=False)
    consul.script = [(403, "Permission denied")] * 5
    result = run(monkeypatch, consul, timeout=60)
    assert result["failed"] is True and result["status"] == 403 and len(bootstraps(consul)) == 1
    assert "Consul denied bootstrapping ACLs" in result["msg"]


# consul_acl_token_info ----------------------------------------------------------------------------

def test_token_info_describes_the_token_without_its_secret(monkeypatch):
    consul = FakeConsul()
    result = run(monkeypatch, consul, consul_acl_token_info, token=MANAGEMENT)
    assert result["changed"] is False and "failed" not in result
    assert result["token"]["AccessorID"] == "management"
    assert result["token"]["Policies"] == [dict(ID="00000000-0000-0000-0000-000000000001", Name="global-management")]
    assert "SecretID" not in result["token"] and MANAGEMENT not in json.dumps(result)
    assert [(r.method, r.path, r.token) for r in consul.requests] == [("GET", "/v1/acl/token/self", MANAGEMENT)]


def test_token_info_reads_the_token_file_and_the_environment(monkeypatch, tmp_path):
    consul = FakeConsul()
    path = tmp_path / "token"
    path.write_text(MANAGEMENT + "\n")
    assert run(monkeypatch, consul, consul_acl_token_info, token_file=str(path))["token"]["AccessorID"] == "management"
    monkeypatch.setenv("CONSUL_HTTP_TOKEN", MANAGEMENT)
    assert run(monkeypatch, consul, consul_acl_token_info)["token"]["AccessorID"] == "management"
    assert [r.token for r in consul.requests] == [MANAGEMENT, MANAGEMENT]


def test_token_info_without_a_token_fails_naming_the_option_and_asks_nothing(monkeypatch):
    consul = FakeConsul()
    result = run(monkeypatch, consul, consul_acl_token_info)
    assert result["failed"] is True and consul.requests == []
    assert result["msg"] == "token: no token was given (option token or token_file, or CONSUL_HTTP_TOKEN)"


def test_token_info_on_a_token_consul_does_not_know_fails_with_403(monkeypatch):
    consul = FakeConsul()
    result = run(monkeypatch, consul, consul_acl_token_info, token="deleted")
    assert result["failed"] is True and result["status"] == 403 and "token" not in result
    assert result["msg"].startswith("Consul denied reading the ACL token in use at http://127.0.0.1:8500 (HTTP 403, ACL): "
                                    "the token lacks the permission. ACL not found")


def test_connection_options_come_from_the_consul_clis_environment(monkeypatch, tmp_path):
    consul = FakeConsul()
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    token_file = tmp_path / "token"
    token_file.write_text(MANAGEMENT)
    environment = dict(CONSUL_HTTP_ADDR="https://consul.example:8601", CONSUL_HTTP_TOKEN_FILE=str(token_file),
                       CONSUL_CACERT="/etc/consul/ca.pem", CONSUL_CLIENT_CERT="/etc/consul/client.pem",
                       CONSUL_CLIENT_KEY="/etc/consul/client-key.pem")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    result = run(monkeypatch, consul, consul_acl_token_info, request_timeout=4.5)
    assert result["token"]["AccessorID"] == "management"
    [sent] = consul.requests
    assert sent.url == "https://consul.example:8601/v1/acl/token/self" and sent.token == MANAGEMENT
    assert (sent.verify, sent.cert, sent.timeout) == ("/etc/consul/ca.pem", ("/etc/consul/client.pem", "/etc/consul/client-key.pem"), 4.5)
    # validate_certs off leaves the CA aside; CONSUL_HTTP_SSL_VERIFY says the same
    run(monkeypatch, consul, consul_acl_token_info, validate_certs=False)
    monkeypatch.setenv("CONSUL_HTTP_SSL_VERIFY", "false")
    run(monkeypatch, consul, consul_acl_token_info)
    assert [sent.verify for sent in consul.requests[1:]] == [False, False]
    # the module's own option wins over the environment
    run(monkeypatch, consul, consul_acl_token_info, host="127.0.0.1", token="other")
    assert consul.requests[-1].url == "http://127.0.0.1:8500/v1/acl/token/self" and consul.requests[-1].token == "other"


def test_a_client_key_without_its_certificate_fails_the_module_naming_both(monkeypatch):
    consul = FakeConsul()
    result = run(monkeypatch, consul, consul_acl_token_info, token=MANAGEMENT, client_key="/k.pem")
    assert result["failed"] is True and consul.requests == []
    assert result["msg"] == "client_key is set but client_cert is not: both are needed for a client certificate"


def test_by_default_the_bootstrap_asks_every_second_for_a_minute(monkeypatch):
    clock = FakeClock()
    real = consul_acl_bootstrap.bootstrap
    monkeypatch.setattr(consul_acl_bootstrap, "bootstrap",
                        lambda client, check_mode, timeout, poll_interval: real(client, check_mode, timeout, poll_interval,
                                                                                clock, clock.sleep))
    consul = FakeConsul(bootstrapped=False)
    consul.script = [(500, "The ACL system is currently in legacy mode.")] * 1000
    result = run(monkeypatch, consul)
    assert result["failed"] is True and "legacy mode" in result["msg"]
    assert clock() == 60 and len(bootstraps(consul)) == 61
