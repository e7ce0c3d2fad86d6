"""consul_acl_policy and consul_acl_token against a real Consul 1.8.7 agent with ACLs (default deny)."""

import dns.message
import dns.query
import dns.rdatatype

from harness import run_module

DNS_RULES = 'node_prefix "" { policy = "read" }\nservice_prefix "" { policy = "read" }\n'


def test_policy_lifecycle(acl_agent):
    conn = acl_agent.connection()
    args = dict(conn, name="it-dns-read", rules=DNS_RULES, description="DNS")
    assert run_module("consul_acl_policy", args, check=True)["changed"] is True
    result = run_module("consul_acl_policy", args)
    assert result["changed"] is True and result["policy"]["Name"] == "it-dns-read"
    assert run_module("consul_acl_policy", dict(args, rules="\n" + DNS_RULES + "\n\n"))["changed"] is False
    result = run_module("consul_acl_policy", dict(args, datacenters=["dc1"]), diff=True)
    assert result["changed"] is True and result["diff"]["after"]["Datacenters"] == ["dc1"]
    assert run_module("consul_acl_policy", dict(conn, name="it-dns-read", state="absent"))["changed"] is True
    assert run_module("consul_acl_policy", dict(conn, name="it-dns-read", state="absent"))["changed"] is False


def test_token_lifecycle_and_what_it_grants(acl_agent):
    conn = acl_agent.connection()
    run_module("consul_acl_policy", dict(conn, name="it-read", rules=DNS_RULES))
    args = dict(conn, description="it reader", policies=["it-read"])
    created = run_module("consul_acl_token", args)
    assert created["changed"] is True
    again = run_module("consul_acl_token", args)
    assert again["changed"] is False and again["secret_id"] == created["secret_id"]

    # the token reads services but cannot register one
    result = run_module("consul_service", dict(conn, token=created["secret_id"], name="it-denied"))
    assert result.get("failed") and "HTTP 403" in result["msg"] and "lacks the permission" in result["msg"]

    # a node identity added is a change; the token keeps its secret
    node_args = dict(args, node_identities=[dict(node_name=acl_agent.name, datacenter="dc1")])
    updated = run_module("consul_acl_token", node_args, diff=True)
    assert updated["changed"] is True and updated["secret_id"] == created["secret_id"]
    assert run_module("consul_acl_token", node_args)["changed"] is False
    assert run_module("consul_acl_token", dict(conn, description="it reader", state="absent"))["changed"] is True


def test_dns_under_default_deny_needs_a_read_token(acl_agent):
    """What the role relies on: with the DNS policy's token as the agent's default, DNS answers."""
    conn = acl_agent.connection()
    run_module("consul_service", dict(conn, name="it-acl-dns", address="127.0.0.61"))

    def answer():
        query = dns.message.make_query("it-acl-dns.service.consul", dns.rdatatype.A)
        reply = dns.query.udp(query, "127.0.0.1", port=acl_agent.ports["dns"], timeout=2)
        return [item.address for rrset in reply.answer for item in rrset]

    assert answer() == []  # anonymous under deny: nothing
    run_module("consul_acl_policy", dict(conn, name="it-dns", rules=DNS_RULES))
    token = run_module("consul_acl_token", dict(conn, description="it dns", policies=["it-dns"]))["secret_id"]
    acl_agent.api("PUT", "/v1/agent/token/default", json=dict(Token=token))
    try:
        assert answer() == ["127.0.0.61"]
    finally:
        acl_agent.api("PUT", "/v1/agent/token/default", json=dict(Token=""))
        run_module("consul_service", dict(conn, id="it-acl-dns", state="absent"))


def test_service_identities_let_a_token_register_only_those_names(acl_agent):
    """What each host's token is: its node plus the services it declares. A name it stopped declaring
    stays while append_service_identities is set (so it can still deregister), then goes."""
    conn = acl_agent.connection()
    node = [dict(node_name=acl_agent.name, datacenter="dc1")]
    args = dict(conn, description="it host token", node_identities=node, service_identities=["it-own"])
    created = run_module("consul_acl_token", args)
    assert created["changed"] is True and created["service_identities"] == ["it-own"]
    token = created["secret_id"]
    try:
        assert run_module("consul_service", dict(conn, token=token, name="it-own"))["changed"] is True
        denied = run_module("consul_service", dict(conn, token=token, name="it-other"))
        assert denied.get("failed") and "HTTP 403" in denied["msg"]
        assert "it-other" not in acl_agent.api("GET", "/v1/agent/services")

        # a new declared name is added; the old one kept while appending, as the role does before a purge
        appended = run_module("consul_acl_token", dict(args, service_identities=["it-new"], append_service_identities=True))
        assert appended["changed"] is True and sorted(appended["service_identities"]) == ["it-new", "it-own"]
        assert run_module("consul_acl_token", dict(args, service_identities=["it-new"],
                                                   append_service_identities=True))["changed"] is False
        exact = run_module("consul_acl_token", dict(args, service_identities=["it-new"]), diff=True)
        assert exact["changed"] is True and exact["service_identities"] == ["it-new"]
        assert exact["secret_id"] == token
    finally:
        run_module("consul_service", dict(conn, id="it-own", state="absent"))
        run_module("consul_acl_token", dict(conn, description="it host token", state="absent"))


def test_token_check_mode_changes_nothing_and_says_what_it_would_do(acl_agent):
    conn = acl_agent.connection()
    run_module("consul_acl_policy", dict(conn, name="it-check-mode", rules=DNS_RULES))

    def tokens():
        return sorted((t["Description"], tuple(p["Name"] for p in t.get("Policies") or []))
                      for t in acl_agent.api("GET", "/v1/acl/tokens") if t["Description"].startswith("it check mode"))
    args = dict(conn, description="it check mode", policies=["it-check-mode"])

    result = run_module("consul_acl_token", args, check=True, diff=True)
    assert result["changed"] is True and result["diff"]["before"] == {} and tokens() == []
    assert run_module("consul_acl_token", args)["changed"] is True
    assert tokens() == [("it check mode", ("it-check-mode",))]

    result = run_module("consul_acl_token", dict(args, policies=[]), check=True, diff=True)
    assert result["changed"] is True and result["diff"]["after"]["Policies"] == []
    assert tokens() == [("it check mode", ("it-check-mode",))]

    absent = dict(conn, description="it check mode", state="absent")
    assert run_module("consul_acl_token", absent, check=True)["changed"] is True
    assert tokens() == [("it check mode", ("it-check-mode",))]
    assert run_module("consul_acl_token", absent)["changed"] is True and tokens() == []


def test_many_tokens_in_one_task_as_the_role_makes_every_hosts_token(acl_agent):
    """consul_acl_tokens: created, then unchanged (same secrets), one changed alone, with --diff keyed by
    description and never a secret in it; a description twice is refused naming the option."""
    conn = acl_agent.connection()
    node = [dict(node_name=acl_agent.name, datacenter="dc1")]
    tokens = [dict(description="it batch %d" % n, node_identities=node, service_identities=["it-batch-%d" % n])
              for n in (1, 2)]
    try:
        created = run_module("consul_acl_tokens", dict(conn, tokens=tokens))
        assert created["changed"] is True and all(t["changed"] for t in created["tokens"].values())
        again = run_module("consul_acl_tokens", dict(conn, tokens=tokens))
        assert again["changed"] is False
        assert {d: t["secret_id"] for d, t in again["tokens"].items()} == {d: t["secret_id"] for d, t in created["tokens"].items()}
        # the same token through the one-token module is the same token
        single = run_module("consul_acl_token", dict(conn, **tokens[0]))
        assert single["changed"] is False and single["secret_id"] == created["tokens"]["it batch 1"]["secret_id"]

        tokens[1]["service_identities"] = ["it-batch-2", "it-batch-3"]
        changed = run_module("consul_acl_tokens", dict(conn, tokens=tokens), diff=True)
        assert changed["changed"] is True and not changed["tokens"]["it batch 1"]["changed"]
        assert sorted(changed["tokens"]["it batch 2"]["service_identities"]) == ["it-batch-2", "it-batch-3"]
        assert list(changed["diff"]["after"]) == ["it batch 2"] and list(changed["diff"]["before"]) == ["it batch 2"]
        assert all(t["secret_id"] not in repr(changed["diff"]) for t in created["tokens"].values())

        refused = run_module("consul_acl_tokens", dict(conn, tokens=[tokens[0], tokens[0]]))
        assert refused.get("failed") and refused["msg"].startswith("tokens: each description once")
    finally:
        for token in tokens:
            run_module("consul_acl_token", dict(conn, description=token["description"], state="absent"))


def test_the_tokens_of_hosts_that_are_gone_are_purged_by_their_prefix_and_no_other(acl_agent):
    """consul_acl_tokens with purge_prefix: of the tokens with that prefix, those neither listed nor kept
    are deleted (check mode and --diff say so first, deleting nothing); a token of another prefix stays;
    an empty prefix is refused naming the option."""
    conn = acl_agent.connection()
    prefix = "it purge agent token of "
    names = ("web1", "web2", "gone1", "gone2")
    for name in names:
        run_module("consul_acl_token", dict(conn, description=prefix + name))
    run_module("consul_acl_token", dict(conn, description="it purge other token"))
    listed = [dict(description=prefix + "web1")]
    try:
        dry = run_module("consul_acl_tokens", dict(conn, tokens=listed, keep=[prefix + "web2"], purge_prefix=prefix),
                         check=True, diff=True)
        assert dry["changed"] is True and dry["purged"] == [prefix + "gone1", prefix + "gone2"]
        assert sorted(dry["diff"]["before"]) == [prefix + "gone1", prefix + "gone2"] and dry["diff"]["after"] == {}
        assert prefix + "gone1" in [t["Description"] for t in acl_agent.api("GET", "/v1/acl/tokens")]
        done = run_module("consul_acl_tokens", dict(conn, tokens=listed, keep=[prefix + "web2"], purge_prefix=prefix))
        assert done["changed"] is True and done["purged"] == [prefix + "gone1", prefix + "gone2"]
        left = sorted(t["Description"] for t in acl_agent.api("GET", "/v1/acl/tokens") if t["Description"].startswith("it purge"))
        assert left == [prefix + "web1", prefix + "web2", "it purge other token"]
        again = run_module("consul_acl_tokens", dict(conn, tokens=listed, keep=[prefix + "web2"], purge_prefix=prefix))
        assert again["changed"] is False and again["purged"] == []
        refused = run_module("consul_acl_tokens", dict(conn, tokens=listed, purge_prefix=""))
        assert refused.get("failed") and refused["msg"].startswith("purge_prefix: ")
    finally:
        for description in [prefix + name for name in names] + ["it purge other token"]:
            run_module("consul_acl_token", dict(conn, description=description, state="absent"))


def test_a_node_that_is_gone_is_taken_out_of_the_catalog_once(acl_agent):
    """consul_catalog_node: an external node with a service, deregistered (check mode and --diff first,
    nothing removed), then nothing left to do."""
    conn = acl_agent.connection()
    registration = dict(Node="it-gone-node", Address="192.0.2.33", Service=dict(Service="it-gone", ID="it-gone-1", Port=80))
    acl_agent.api("PUT", "/v1/catalog/register", json=registration)
    dry = run_module("consul_catalog_node", dict(conn, name="it-gone-node"), check=True, diff=True)
    assert dry["changed"] is True and dry["services"] == ["it-gone-1"]
    assert dry["diff"] == dict(before=dict(node="it-gone-node", services=["it-gone-1"]), after={})
    assert acl_agent.api("GET", "/v1/catalog/node/it-gone-node") is not None
    done = run_module("consul_catalog_node", dict(conn, name="it-gone-node"))
    assert done["changed"] is True and acl_agent.api("GET", "/v1/catalog/node/it-gone-node") is None
    again = run_module("consul_catalog_node", dict(conn, name="it-gone-node"))
    assert again["changed"] is False and again["services"] == []
