"""consul_service, consul_services and consul_check under ACLs (Consul 1.8.7, default deny): a
registration under another token is registered again once, after which the agent syncs it to the
catalog under that token."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import uuid

import pytest

from conftest import wait_for
from harness import run_module

# what a host's own token needs to register its services and keep them in sync
RULES = 'service_prefix "it-tok" { policy = "write" }\nnode_prefix "" { policy = "write" }'


@pytest.fixture
def tokens(acl_agent):
    """Two tokens of the same policy, made for the test: (agent, secret A, accessor A, secret B)."""
    policy = acl_agent.api("PUT", "/v1/acl/policy", json=dict(Name="it-tok-%s" % uuid.uuid4().hex[:8], Rules=RULES))
    made = [acl_agent.api("PUT", "/v1/acl/token", json=dict(Description="it-tok", Policies=[{"ID": policy["ID"]}]))
            for _token in range(2)]
    yield acl_agent, made[0]["SecretID"], made[0]["AccessorID"], made[1]["SecretID"]
    left = acl_agent.api("GET", "/v1/agent/services")
    for service_id in ("it-tok", "it-tok-set-1", "it-tok-set-2"):
        if service_id in left:   # its checks go with it
            acl_agent.api("PUT", "/v1/agent/service/deregister/" + service_id)
    for token in made:
        acl_agent.api("DELETE", "/v1/acl/token/" + token["AccessorID"])
    acl_agent.api("DELETE", "/v1/acl/policy/" + policy["ID"])


def connection(agent, token):
    return dict(agent.connection(), token=token)


def agent_log(agent):
    with open(agent.log.name, encoding="utf-8", errors="replace") as log:
        return log.read()


def catalog_status(agent, check_id):
    return next((check["Status"] for check in agent.api("GET", "/v1/health/checks/it-tok") or []
                 if check["CheckID"] == check_id), None)


def test_a_service_registered_under_a_deleted_token_syncs_again_once_registered_under_the_new_one(tokens):
    agent, token_a, accessor_a, token_b = tokens
    service = dict(id="it-tok", name="it-tok", address="127.0.0.91", checks=[dict(check_id="it-tok-ttl", ttl="10m")])
    assert run_module("consul_service", dict(connection(agent, token_a), **service))["changed"] is True
    assert run_module("consul_service", dict(connection(agent, token_a), **service))["changed"] is False
    agent.api("PUT", "/v1/agent/check/pass/it-tok-ttl")
    wait_for(lambda: catalog_status(agent, "it-tok-ttl") == "passing", what="the catalog to see the check pass")

    # the host's token is made anew: the agent still syncs the service with the old, deleted one, so
    # the catalog (and DNS) keeps the instance passing after its check failed on the agent
    agent.api("DELETE", "/v1/acl/token/" + accessor_a)
    agent.api("PUT", "/v1/agent/check/fail/it-tok-ttl")
    wait_for(lambda: agent.api("GET", "/v1/agent/checks")["it-tok-ttl"]["Status"] == "critical", what="the agent's check")
    # a positive control of the hazard, not a timing assertion: the sync under the deleted token is refused
    wait_for(lambda: "Check registration blocked by ACLs: check=it-tok-ttl" in agent_log(agent),
             what="the agent's sync under the deleted token to be refused")
    assert catalog_status(agent, "it-tok-ttl") == "passing"

    # under the new token the same definition is a change: registered again, the catalog follows the agent
    assert run_module("consul_service", dict(connection(agent, token_b), **service))["changed"] is True
    wait_for(lambda: catalog_status(agent, "it-tok-ttl") == "critical", what="the catalog to follow the agent again")
    agent.api("PUT", "/v1/agent/check/pass/it-tok-ttl")
    wait_for(lambda: catalog_status(agent, "it-tok-ttl") == "passing", what="the catalog to see the check pass")
    assert run_module("consul_service", dict(connection(agent, token_b), **service))["changed"] is False


def test_consul_services_and_consul_check_register_again_under_a_new_token_once(tokens):
    agent, token_a, _accessor_a, token_b = tokens
    services = dict(services=[dict(id="it-tok-set-1", name="it-tok-set"), dict(id="it-tok-set-2", name="it-tok-set")],
                    set_name="it-tok")
    # bound to a service: a failing node-level check would take every service of the shared agent out of DNS
    check = dict(check_id="it-tok-http", service_id="it-tok-set-1", http="http://127.0.0.1:1/", interval="30s",
                 header={"Authorization": ["Bearer it-s3cret"]})
    for module, args in (("consul_services", services), ("consul_check", check)):
        runs = [run_module(module, dict(connection(agent, token), **args)) for token in (token_a, token_a, token_b, token_b)]
        assert [r["changed"] for r in runs] == [True, False, True, False], (module, runs)
        if module == "consul_services":
            assert sorted(runs[2]["updated"]) == ["it-tok-set-1", "it-tok-set-2"]
