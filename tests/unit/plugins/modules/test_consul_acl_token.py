"""consul_acl_token and consul_acl_tokens against a fake of Consul's ACL HTTP API: the token found by
its description, the definition sent, service identities appended or replaced, check mode, diff
without secrets, ambiguous descriptions refused before anything is written."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest
from fake_consul_api import MANAGEMENT, FakeConsul
from module_run import run_module

from ansible_collections.discovery.consul_dns.plugins.modules import consul_acl_token, consul_acl_tokens


@pytest.fixture(autouse=True)
def no_consul_environment(monkeypatch):
    for name in ("CONSUL_HTTP_ADDR", "CONSUL_HTTP_TOKEN", "CONSUL_HTTP_TOKEN_FILE", "CONSUL_HTTP_SSL_VERIFY"):
        monkeypatch.delenv(name, raising=False)


def run(monkeypatch, consul, module=consul_acl_token, **args):
    consul.install(monkeypatch)
    args.setdefault("token", MANAGEMENT)
    return run_module(monkeypatch, module, None, **args)


def web1(**fields):
    token = dict(Description="agent token of web1", Policies=[dict(Name="dns-read")],
                 NodeIdentities=[dict(NodeName="web1", Datacenter="bj")], ServiceIdentities=[dict(ServiceName="web")])
    token.update(fields)
    return token


WEB1 = dict(description="agent token of web1", policies=["dns-read"],
            node_identities=[dict(node_name="web1", datacenter="bj")], service_identities=["web"])


def web1_with(**changes):
    """WEB1's arguments with some changed (built so that pylint sees no keyword given twice)."""
    args = dict(WEB1)
    args.update(changes)
    return args


def test_a_new_token_is_written_as_declared_and_its_secret_returned(monkeypatch):
    consul = FakeConsul()
    consul.add_policy(Name="dns-read")
    result = run(monkeypatch, consul, local=True, **WEB1)
    assert result["changed"] is True and "failed" not in result
    assert consul.writes() == [("PUT", "/v1/acl/token", dict(
        Description="agent token of web1", Policies=[dict(Name="dns-read")],
        NodeIdentities=[dict(NodeName="web1", Datacenter="bj")], ServiceIdentities=[dict(ServiceName="web")], Local=True))]
    assert all(sent.token == MANAGEMENT for sent in consul.requests)
    [made] = consul.by_description("agent token of web1")
    assert (result["accessor_id"], result["secret_id"]) == (made["AccessorID"], made["SecretID"])
    assert result["service_identities"] == ["web"]


def test_a_token_as_declared_is_left_alone_and_its_secret_returned(monkeypatch):
    consul = FakeConsul()
    consul.add_policy(Name="dns-read")
    accessor = consul.add_token(**web1())
    consul.add_token(Description="agent token of web2", ServiceIdentities=[dict(ServiceName="web")])
    result = run(monkeypatch, consul, _ansible_diff=True, **WEB1)
    assert result["changed"] is False and consul.writes() == []
    assert (result["accessor_id"], result["secret_id"]) == (accessor, consul.tokens[accessor]["SecretID"])
    assert result["diff"]["before"] == result["diff"]["after"]
    # the listing found it, the token itself was read for its secret
    assert [(r.method, r.path) for r in consul.requests] == [("GET", "/v1/acl/tokens"), ("GET", "/v1/acl/token/%s" % accessor)]


@pytest.mark.parametrize("change", [dict(policies=["dns-read", "kv-read"]), dict(service_identities=["web", "api"]),
                                    dict(node_identities=[]), dict(local=True)])
def test_a_token_differing_in_any_field_is_updated_in_place_keeping_its_secret(monkeypatch, change):
    consul = FakeConsul()
    accessor = consul.add_token(**web1())
    secret = consul.tokens[accessor]["SecretID"]
    args = dict(WEB1, **change)
    result = run(monkeypatch, consul, _ansible_diff=True, **args)
    assert result["changed"] is True
    [(method, path, body)] = consul.writes()
    assert (method, path, body["Description"]) == ("PUT", "/v1/acl/token/%s" % accessor, "agent token of web1")
    assert [p["Name"] for p in body["Policies"]] == args["policies"]
    assert [s["ServiceName"] for s in body["ServiceIdentities"]] == args["service_identities"]
    assert body["Local"] is args.get("local", False)
    assert (result["accessor_id"], result["secret_id"]) == (accessor, secret)
    assert result["diff"]["before"] != result["diff"]["after"]
    assert secret not in json.dumps(result["diff"])


def test_appended_service_identities_keep_those_the_token_has_besides(monkeypatch):
    consul = FakeConsul()
    accessor = consul.add_token(**web1(ServiceIdentities=[dict(ServiceName="api"), dict(ServiceName="web")]))
    result = run(monkeypatch, consul, **web1_with(service_identities=["web", "db"], append_service_identities=True))
    assert result["changed"] is True
    [(_method, _path, body)] = consul.writes()
    assert body["ServiceIdentities"] == [dict(ServiceName="web"), dict(ServiceName="db"), dict(ServiceName="api")]
    assert result["service_identities"] == ["api", "db", "web"]
    # without the option, the identity no longer declared goes
    consul.requests = []
    result = run(monkeypatch, consul, **web1_with(service_identities=["web", "db"]))
    assert result["changed"] is True and result["service_identities"] == ["db", "web"]
    assert [s["ServiceName"] for s in consul.tokens[accessor]["ServiceIdentities"]] == ["web", "db"]


def test_appending_what_the_token_has_already_changes_nothing(monkeypatch):
    consul = FakeConsul()
    consul.add_token(**web1(ServiceIdentities=[dict(ServiceName="api"), dict(ServiceName="web")]))
    result = run(monkeypatch, consul, **web1_with(service_identities=["web"], append_service_identities=True))
    assert result["changed"] is False and consul.writes() == [] and result["service_identities"] == ["api", "web"]


def test_check_mode_writes_nothing_and_returns_no_secret_for_a_new_token(monkeypatch):
    consul = FakeConsul()
    result = run(monkeypatch, consul, _ansible_check_mode=True, _ansible_diff=True, **WEB1)
    assert result["changed"] is True and consul.writes() == [] and consul.by_description("agent token of web1") == []
    assert "accessor_id" not in result and "secret_id" not in result
    assert result["service_identities"] == ["web"]
    assert result["diff"]["before"] == {} and result["diff"]["after"]["Description"] == "agent token of web1"


def test_check_mode_on_an_existing_token_returns_it_as_it_is(monkeypatch):
    consul = FakeConsul()
    accessor = consul.add_token(**web1())
    result = run(monkeypatch, consul, _ansible_check_mode=True, **web1_with(policies=[]))
    assert result["changed"] is True and consul.writes() == []
    assert (result["accessor_id"], result["secret_id"]) == (accessor, consul.tokens[accessor]["SecretID"])


def test_absent_deletes_the_token_of_that_description_only(monkeypatch):
    consul = FakeConsul()
    accessor = consul.add_token(**web1())
    other = consul.add_token(Description="agent token of web2")
    result = run(monkeypatch, consul, _ansible_diff=True, description="agent token of web1", state="absent")
    assert result["changed"] is True and consul.writes() == [("DELETE", "/v1/acl/token/%s" % accessor, None)]
    assert accessor not in consul.tokens and other in consul.tokens
    assert "secret_id" not in result and "service_identities" not in result
    assert result["diff"]["after"] == {} and result["diff"]["before"]["Description"] == "agent token of web1"
    consul.requests = []
    again = run(monkeypatch, consul, description="agent token of web1", state="absent")
    assert again["changed"] is False and consul.writes() == []


def test_absent_in_check_mode_deletes_nothing(monkeypatch):
    consul = FakeConsul()
    accessor = consul.add_token(**web1())
    result = run(monkeypatch, consul, _ansible_check_mode=True, description="agent token of web1", state="absent")
    assert result["changed"] is True and consul.writes() == [] and accessor in consul.tokens


@pytest.mark.parametrize("state", ["present", "absent"])
def test_a_description_two_tokens_carry_fails_naming_both_before_anything_is_written(monkeypatch, state):
    consul = FakeConsul()
    first, second = consul.add_token(**web1()), consul.add_token(**web1())
    result = run(monkeypatch, consul, state=state, **WEB1)
    assert result["failed"] is True and consul.writes() == []
    assert result["msg"] == ("description 'agent token of web1': 2 tokens carry it (accessor IDs %s, %s); make it unique"
                             % (first, second))


# consul_acl_tokens: many in one task ------------------------------------------------------------

def test_many_tokens_share_one_listing_and_each_reports_its_own_change(monkeypatch):
    consul = FakeConsul()
    kept = consul.add_token(**web1())
    web2 = dict(description="agent token of web2", node_identities=[dict(node_name="web2", datacenter="bj")])
    result = run(monkeypatch, consul, consul_acl_tokens, _ansible_diff=True, tokens=[WEB1, web2])
    assert result["changed"] is True
    assert [(r.method, r.path) for r in consul.requests if r.path == "/v1/acl/tokens"] == [("GET", "/v1/acl/tokens")]
    assert consul.writes() == [("PUT", "/v1/acl/token", dict(
        Description="agent token of web2", Policies=[], NodeIdentities=[dict(NodeName="web2", Datacenter="bj")],
        ServiceIdentities=[], Local=False))]
    [made] = consul.by_description("agent token of web2")
    tokens = result["tokens"]
    assert tokens["agent token of web1"] == dict(changed=False, service_identities=["web"], accessor_id=kept,
                                                 secret_id=consul.tokens[kept]["SecretID"])
    assert tokens["agent token of web2"] == dict(changed=True, service_identities=[], accessor_id=made["AccessorID"],
                                                 secret_id=made["SecretID"])
    # the diff holds the token that changed only, keyed by description, without secrets
    assert result["diff"]["before"] == {} and list(result["diff"]["after"]) == ["agent token of web2"]
    assert made["SecretID"] not in json.dumps(result["diff"])


def test_many_tokens_as_declared_change_nothing(monkeypatch):
    consul = FakeConsul()
    consul.add_token(**web1())
    result = run(monkeypatch, consul, consul_acl_tokens, _ansible_diff=True, tokens=[WEB1])
    assert result["changed"] is False and consul.writes() == []
    assert result["diff"] == dict(before={}, after={})


def test_many_tokens_in_check_mode_write_nothing_and_a_new_one_has_no_secret(monkeypatch):
    consul = FakeConsul()
    result = run(monkeypatch, consul, consul_acl_tokens, _ansible_check_mode=True,
                 tokens=[WEB1, dict(WEB1, description="agent token of web2", service_identities=["api"])])
    assert result["changed"] is True and consul.writes() == []
    assert result["tokens"] == {"agent token of web1": dict(changed=True, service_identities=["web"]),
                                "agent token of web2": dict(changed=True, service_identities=["api"])}


def test_a_description_given_twice_is_refused_before_consul_is_asked(monkeypatch):
    consul = FakeConsul()
    result = run(monkeypatch, consul, consul_acl_tokens, tokens=[WEB1, dict(description="b"), WEB1, dict(description="b"),
                                                                 dict(description="c")])
    assert result["failed"] is True and consul.requests == []
    assert result["msg"] == "tokens: each description once; repeated: agent token of web1, b"


def test_a_description_two_tokens_carry_is_refused_naming_the_option(monkeypatch):
    consul = FakeConsul()
    first, second = consul.add_token(**web1()), consul.add_token(**web1())
    result = run(monkeypatch, consul, consul_acl_tokens, tokens=[WEB1, dict(description="other")])
    assert result["failed"] is True and consul.writes() == []
    # listed after a token that would be created: still nothing written
    result = run(monkeypatch, consul, consul_acl_tokens, tokens=[dict(description="other"), WEB1])
    assert result["failed"] is True and consul.writes() == []
    assert result["msg"] == ("tokens: description 'agent token of web1': 2 tokens carry it (accessor IDs %s, %s); "
                             "make it unique" % (first, second))


def test_the_diff_shows_the_managed_fields_of_each_side(monkeypatch):
    consul = FakeConsul()
    consul.add_token(**web1(Local=True))
    result = run(monkeypatch, consul, _ansible_diff=True, **web1_with(policies=["kv-read", "dns-read"]))
    # as the controller receives it: JSON
    assert json.loads(json.dumps(result["diff"])) == dict(
        before=dict(Description="agent token of web1", Policies=["dns-read"], NodeIdentities=[["web1", "bj"]],
                    ServiceIdentities=[["web", []]], Local=True),
        after=dict(Description="agent token of web1", Policies=["dns-read", "kv-read"], NodeIdentities=[["web1", "bj"]],
                   ServiceIdentities=[["web", []]], Local=False))


def test_a_token_without_description_shows_an_empty_one(monkeypatch):
    consul = FakeConsul()
    result = run(monkeypatch, consul, _ansible_check_mode=True, _ansible_diff=True, description="")
    assert result["diff"]["after"]["Description"] == ""


def test_a_service_identity_limited_to_datacenters_elsewhere_is_made_valid_everywhere_as_declared(monkeypatch):
    consul = FakeConsul()
    accessor = consul.add_token(**web1(ServiceIdentities=[dict(ServiceName="web", Datacenters=["dc2"])]))
    result = run(monkeypatch, consul, **WEB1)
    assert result["changed"] is True
    assert consul.writes()[0][1:] == ("/v1/acl/token/%s" % accessor, dict(
        Description="agent token of web1", Policies=[dict(Name="dns-read")],
        NodeIdentities=[dict(NodeName="web1", Datacenter="bj")], ServiceIdentities=[dict(ServiceName="web")], Local=False))


def test_an_unknown_state_is_refused_before_consul_is_asked(monkeypatch):
    consul = FakeConsul()
    result = run(monkeypatch, consul, state="gone", **WEB1)
    assert result["failed"] is True and consul.requests == []
    assert "value of state must be one of: present, absent, got: gone" in result["msg"]


@pytest.mark.parametrize("tokens,message", [
    (None, "missing required arguments: tokens"),
    ([dict(policies=["dns-read"])], "missing required arguments: description found in tokens"),
    ([dict(description="d", colour="red")], "colour"),
    ([dict(description="d", local="perhaps")], "local"),
    (["agent token of web1"], "dictionary requested"),
])
def test_bad_tokens_are_refused_before_consul_is_asked(monkeypatch, tokens, message):
    consul = FakeConsul()
    args = dict(tokens=tokens) if tokens is not None else {}
    result = run(monkeypatch, consul, consul_acl_tokens, **args)
    assert result["failed"] is True and message in result["msg"] and consul.requests == []


def test_the_tokens_descriptions_are_shown_and_the_management_token_is_not(monkeypatch):
    consul = FakeConsul()
    consul.install(monkeypatch)
    result = run_module(monkeypatch, consul_acl_tokens, None, as_returned=True, token=MANAGEMENT, tokens=[WEB1])
    [made] = consul.by_description("agent token of web1")
    assert list(result["tokens"]) == ["agent token of web1"]
    assert result["tokens"]["agent token of web1"]["secret_id"] == made["SecretID"]
    assert result["invocation"]["module_args"]["tokens"][0]["description"] == "agent token of web1"
    assert MANAGEMENT not in repr(result)


def test_an_empty_list_of_tokens_shows_an_empty_diff(monkeypatch):
    consul = FakeConsul()
    result = run(monkeypatch, consul, consul_acl_tokens, _ansible_diff=True, tokens=[])
    assert result["changed"] is False and result["tokens"] == {} and result["diff"] == dict(before={}, after={})
