"""consul_acl_policy against a fake of Consul's ACL HTTP API: what is sent, what is compared, check
mode and diff, the policy found by name among others."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from fake_consul_api import MANAGEMENT, FakeConsul
from module_run import run_module

from ansible_collections.discovery.consul_dns.plugins.module_utils import consul_client
from ansible_collections.discovery.consul_dns.plugins.modules import consul_acl_policy

RULES = 'node_prefix "" { policy = "read" }'


@pytest.fixture(autouse=True)
def no_consul_environment(monkeypatch):
    for name in ("CONSUL_HTTP_ADDR", "CONSUL_HTTP_TOKEN", "CONSUL_HTTP_TOKEN_FILE", "CONSUL_HTTP_SSL_VERIFY"):
        monkeypatch.delenv(name, raising=False)


def run(monkeypatch, consul, **args):
    consul.install(monkeypatch)
    args.setdefault("token", MANAGEMENT)
    return run_module(monkeypatch, consul_acl_policy, None, **args)


def test_a_new_policy_is_written_as_declared_and_the_second_run_changes_nothing(monkeypatch):
    consul = FakeConsul()
    result = run(monkeypatch, consul, name="dns-read", rules="\n  %s\n" % RULES, description="DNS",
                 datacenters=["dc2", "dc1"])
    assert result["changed"] is True and "failed" not in result
    wanted = dict(Name="dns-read", Description="DNS", Rules=RULES, Datacenters=["dc1", "dc2"])
    assert consul.writes() == [("PUT", "/v1/acl/policy", wanted)]
    assert all(sent.token == MANAGEMENT for sent in consul.requests)
    assert result["policy"]["ID"] in consul.policies and result["policy"]["Rules"] == RULES
    consul.requests = []
    again = run(monkeypatch, consul, name="dns-read", rules=RULES + "\n", description="DNS", datacenters=["dc1", "dc2"])
    assert again["changed"] is False and consul.writes() == []
    assert again["policy"]["ID"] == result["policy"]["ID"]


def test_the_defaults_are_no_description_and_every_datacenter(monkeypatch):
    consul = FakeConsul()
    run(monkeypatch, consul, name="dns-read", rules=RULES)
    assert consul.writes() == [("PUT", "/v1/acl/policy", dict(Name="dns-read", Description="", Rules=RULES, Datacenters=[]))]


@pytest.mark.parametrize("change", [dict(rules='node_prefix "" { policy = "write" }'), dict(description="other"),
                                    dict(datacenters=["dc1"])])
def test_a_policy_differing_in_any_field_is_updated_in_place(monkeypatch, change):
    consul = FakeConsul()
    other = consul.add_policy(Name="kv-read", Rules='key_prefix "" { policy = "read" }')
    ident = consul.add_policy(Name="dns-read", Rules=RULES, Description="DNS")
    args = dict(name="dns-read", rules=RULES, description="DNS")
    args.update(change)
    result = run(monkeypatch, consul, _ansible_diff=True, **args)
    assert result["changed"] is True
    wanted = dict(Name="dns-read", Description=args["description"], Rules=args["rules"], Datacenters=args.get("datacenters", []))
    assert consul.writes() == [("PUT", "/v1/acl/policy/%s" % ident, wanted)]
    assert result["policy"]["ID"] == ident and result["policy"]["Rules"] == args["rules"]
    assert result["diff"] == dict(before=dict(Name="dns-read", Description="DNS", Rules=RULES, Datacenters=[]), after=wanted)
    assert consul.policies[other]["Rules"] == 'key_prefix "" { policy = "read" }'


def test_a_policy_as_declared_is_left_alone_with_an_empty_diff(monkeypatch):
    consul = FakeConsul()
    ident = consul.add_policy(Name="dns-read", Rules=" %s \n" % RULES, Datacenters=["dc2", "dc1"])
    result = run(monkeypatch, consul, _ansible_diff=True, name="dns-read", rules=RULES, datacenters=["dc1", "dc2"])
    assert result["changed"] is False and consul.writes() == []
    assert result["policy"]["ID"] == ident
    assert result["diff"]["before"] == result["diff"]["after"]


def test_check_mode_reports_the_change_and_writes_nothing(monkeypatch):
    consul = FakeConsul()
    result = run(monkeypatch, consul, _ansible_check_mode=True, _ansible_diff=True, name="dns-read", rules=RULES)
    assert result["changed"] is True and consul.writes() == [] and consul.policies == {}
    assert result["policy"] == dict(Name="dns-read", Description="", Rules=RULES, Datacenters=[])
    assert result["diff"] == dict(before={}, after=result["policy"])
    ident = consul.add_policy(Name="dns-read", Rules=RULES)
    result = run(monkeypatch, consul, _ansible_check_mode=True, name="dns-read", rules="other")
    assert result["changed"] is True and consul.writes() == [] and consul.policies[ident]["Rules"] == RULES
    # nothing written: the policy as it would be
    assert result["policy"] == dict(Name="dns-read", Description="", Rules="other", Datacenters=[])


def test_absent_deletes_the_policy_of_that_name_only(monkeypatch):
    consul = FakeConsul()
    keep = consul.add_policy(Name="kv-read")
    ident = consul.add_policy(Name="dns-read", Rules=RULES)
    result = run(monkeypatch, consul, _ansible_diff=True, name="dns-read", state="absent")
    assert result["changed"] is True and "policy" not in result
    assert consul.writes() == [("DELETE", "/v1/acl/policy/%s" % ident, None)]
    assert list(consul.policies) == [keep]
    assert result["diff"] == dict(before=dict(Name="dns-read", Description="", Rules=RULES, Datacenters=[]), after={})
    consul.requests = []
    again = run(monkeypatch, consul, name="dns-read", state="absent")
    assert again["changed"] is False and consul.writes() == [] and "policy" not in again


def test_absent_in_check_mode_deletes_nothing(monkeypatch):
    consul = FakeConsul()
    ident = consul.add_policy(Name="dns-read")
    result = run(monkeypatch, consul, _ansible_check_mode=True, name="dns-read", state="absent")
    assert result["changed"] is True and consul.writes() == [] and ident in consul.policies


@pytest.mark.parametrize("token,hint", [
    (None, "no token was given (option token or token_file, or CONSUL_HTTP_TOKEN)"),
    ("not-a-token", "the token lacks the permission"),
])
def test_a_refused_token_fails_naming_the_request_with_status_403(monkeypatch, token, hint):
    consul = FakeConsul()
    args = dict(name="dns-read", rules=RULES)
    if token:
        args["token"] = token
    consul.install(monkeypatch)
    result = run_module(monkeypatch, consul_acl_policy, None, **args)
    assert result["failed"] is True and result["status"] == 403 and result["changed"] is False
    assert result["msg"].startswith("Consul denied listing ACL policies at http://127.0.0.1:8500 (HTTP 403, ACL): %s." % hint)
    assert consul.writes() == []


def test_a_policy_without_rules_or_description_is_written_and_shown_empty(monkeypatch):
    consul = FakeConsul()
    result = run(monkeypatch, consul, _ansible_check_mode=True, name="nothing")
    assert result["policy"] == dict(Name="nothing", Description="", Rules="", Datacenters=[])
    run(monkeypatch, consul, name="nothing")
    assert consul.writes() == [("PUT", "/v1/acl/policy", dict(Name="nothing", Description="", Rules="", Datacenters=[]))]


def test_a_datacenter_yaml_read_as_a_number_is_sent_as_its_name(monkeypatch):
    consul = FakeConsul()
    run(monkeypatch, consul, name="dns-read", datacenters=[2, "dc1"])
    assert consul.writes()[0][2]["Datacenters"] == ["2", "dc1"]


@pytest.mark.parametrize("args,message", [
    (dict(rules=RULES), "missing required arguments: name"),
    (dict(name="dns-read", state="gone"), "value of state must be one of: present, absent, got: gone"),
])
def test_bad_options_are_refused_before_consul_is_asked(monkeypatch, args, message):
    consul = FakeConsul()
    result = run(monkeypatch, consul, **args)
    assert result["failed"] is True and message in result["msg"] and consul.requests == []


def test_the_token_never_appears_in_the_result(monkeypatch):
    consul = FakeConsul()
    consul.install(monkeypatch)
    result = run_module(monkeypatch, consul_acl_policy, None, as_returned=True, _ansible_diff=True, token=MANAGEMENT,
                        name="dns-read", rules=RULES)
    assert result["changed"] is True and result["invocation"]["module_args"]["name"] == "dns-read"
    assert MANAGEMENT not in repr(result)


def test_a_request_that_reached_no_server_is_sent_again(monkeypatch):
    """Right after the servers start, the agent answers 500 "No cluster leader": the module's requests are tried again."""
    monkeypatch.setattr(consul_client.time, "sleep", lambda seconds: None)
    consul = FakeConsul()
    consul.script = [(500, "No cluster leader"), (500, "No cluster leader")]
    result = run(monkeypatch, consul, name="dns-read", rules=RULES)
    assert result["changed"] is True and "failed" not in result
    assert [(r.method, r.path) for r in consul.requests] == [("GET", "/v1/acl/policies")] * 3 + [("PUT", "/v1/acl/policy")]
