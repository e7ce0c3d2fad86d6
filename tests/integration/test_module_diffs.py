"""--diff of every consul_* module, through the one base (module_utils/consul_module.py), against real
Consul 1.8.7 agents: before and after are dicts of the same shape (the module's comparable view, {}
where the object does not exist), with --diff only, and no secret in them."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

from harness import run_module

HEADER_SECRET = "Bearer diff-5ecret-header"
BODY_SECRET = "diff-5ecret-body"


def http_check(**extra):
    check = dict(http="http://127.0.0.1:1/health", interval="10s", header={"Authorization": [HEADER_SECRET]},
                 method="POST", body=BODY_SECRET)
    check.update(extra)
    return check


def assert_lifecycle(module, present, changed, absent, secrets=(), keyed=False):
    """Create (before {}), change (the same keys on both sides), delete (after {}); without --diff, no diff."""
    created = run_module(module, present, diff=True)
    updated = run_module(module, changed, diff=True)
    removed = run_module(module, absent, diff=True)
    assert created["changed"] and updated["changed"] and removed["changed"]
    for result in (created, updated, removed):
        assert set(result["diff"]) == {"before", "after"}
        text = json.dumps(result)
        assert not [secret for secret in secrets if secret in text], text
    if keyed:   # one entry per object changed, keyed by ID
        (created_key,) = created["diff"]["after"]
        assert created["diff"]["before"] == {}
        assert set(updated["diff"]["before"]) == set(updated["diff"]["after"]) == {created_key}
        before, after = updated["diff"]["before"][created_key], updated["diff"]["after"][created_key]
        assert removed["diff"]["after"] == {} and list(removed["diff"]["before"]) == [created_key]
    else:
        assert created["diff"]["before"] == {} and created["diff"]["after"]
        before, after = updated["diff"]["before"], updated["diff"]["after"]
        assert removed["diff"]["after"] == {} and removed["diff"]["before"]
        assert set(removed["diff"]["before"]) == set(created["diff"]["after"])
    assert before != after and set(before) == set(after), (before, after)
    # the same change again: unchanged, and no diff without --diff
    again = run_module(module, changed)
    assert again["changed"] is True and "diff" not in again   # it was removed: created again
    assert run_module(module, absent)["changed"] is True


def test_acl_policy_diff(acl_agent):
    conn = acl_agent.connection()
    args = dict(conn, name="it-diff-policy", rules='node_prefix "" { policy = "read" }')
    assert_lifecycle("consul_acl_policy", args, dict(args, description="changed"), dict(conn, name="it-diff-policy", state="absent"))


def test_acl_token_diff_never_shows_the_secret(acl_agent):
    conn = acl_agent.connection()
    args = dict(conn, description="it diff token")
    created = run_module("consul_acl_token", args)
    run_module("consul_acl_token", dict(conn, description="it diff token", state="absent"))
    assert_lifecycle("consul_acl_token", args, dict(args, service_identities=["it-diff"]), dict(args, state="absent"),
                     secrets=[acl_agent.master_token])
    assert created["secret_id"] and created["secret_id"] != acl_agent.master_token


def test_check_diff(agent):
    conn = agent.connection()
    args = dict(conn, **http_check(name="it-diff-check"))
    assert_lifecycle("consul_check", args, dict(args, notes="changed"), dict(conn, name="it-diff-check", state="absent"),
                     secrets=[HEADER_SECRET, BODY_SECRET, "diff-5ecret"])


def test_service_diff(agent):
    conn = agent.connection()
    args = dict(conn, name="it-diff-web", id="it-diff-web01", checks=[http_check()])
    assert_lifecycle("consul_service", args, dict(args, tags=["changed"]), dict(conn, id="it-diff-web01", state="absent"),
                     secrets=[HEADER_SECRET, BODY_SECRET, "diff-5ecret"])


def test_services_diff_is_keyed_by_id(agent):
    conn = agent.connection()
    base = dict(conn, set_name="it-diff", purge=True)
    service = dict(name="it-diff-api", id="it-diff-api01", checks=[http_check()])
    assert_lifecycle("consul_services", dict(base, services=[service]), dict(base, services=[dict(service, service_port=8080)]),
                     dict(base, services=[]), secrets=[HEADER_SECRET, BODY_SECRET, "diff-5ecret"], keyed=True)
    unchanged = run_module("consul_services", dict(base, services=[]), diff=True)
    assert unchanged["changed"] is False and unchanged["diff"] == dict(before={}, after={})


def test_prepared_query_diff(agent):
    conn = agent.connection()
    args = dict(conn, name="it-diff-query", service="it-diff-web")
    assert_lifecycle("consul_prepared_query", args, dict(args, tags=["changed"]),
                     dict(conn, name="it-diff-query", state="absent"))


def test_maintenance_diff_only_with_diff(agent):
    conn = agent.connection()
    run_module("consul_service", dict(conn, name="it-diff-maint"))
    args = dict(conn, service_id="it-diff-maint")
    plain = run_module("consul_maintenance", dict(args, state="enabled", reason="diff"), check=True)
    assert plain["changed"] is True and "diff" not in plain
    enabled = run_module("consul_maintenance", dict(args, state="enabled", reason="diff"), diff=True)
    assert enabled["diff"] == dict(before=dict(enabled=False, reason=""), after=dict(enabled=True, reason="diff"))
    disabled = run_module("consul_maintenance", dict(args, state="disabled"), diff=True)
    assert disabled["diff"] == dict(before=dict(enabled=True, reason="diff"), after=dict(enabled=False, reason=""))
    run_module("consul_service", dict(conn, id="it-diff-maint", state="absent"))


def test_read_only_modules_show_no_diff(agent):
    conn = agent.connection()
    for module, args in (("consul_cluster_wait", dict(conn, condition="leader")),
                         ("consul_catalog_services_info", dict(conn)),
                         ("consul_acl_token_info", dict(conn, token="x"))):
        result = run_module(module, args, diff=True)
        assert "diff" not in result and result.get("changed") is False, (module, result)
