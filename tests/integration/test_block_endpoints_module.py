"""consul_http_block_endpoints on a real Consul 1.8.7 agent: the catalog writes and transactions are
refused whatever the token (403), and the collection's modules, which use the agent's own
/v1/agent/ endpoints, work as before. The role's default list on client agents."""

import pytest
import requests
import yaml

from harness import REPO, ConsulAgent, run_module

with open(REPO + "/roles/consul/defaults/main.yml", encoding="utf-8") as _defaults:
    _default = yaml.safe_load(_defaults)["consul_http_block_endpoints"]
# the default is a template (nothing on servers); its client list, read from the defaults
BLOCKED = ["/v1/catalog/register", "/v1/catalog/deregister", "/v1/txn"]
assert all(path in _default for path in BLOCKED), _default

CATALOG_WRITES = [
    ("/v1/catalog/register", {"Node": "other", "Address": "6.6.6.6", "Service": {"ID": "web02", "Service": "web"}}),
    ("/v1/catalog/deregister", {"Node": "other", "ServiceID": "web02"}),
    ("/v1/catalog/register", {"Node": "other", "Address": "6.6.6.6",
                              "Check": {"CheckID": "evil", "Name": "evil", "Status": "critical", "ServiceID": "web02"}}),
    ("/v1/txn", [{"Service": {"Verb": "delete", "Node": "other", "Service": {"ID": "web02"}}}]),
]


@pytest.fixture(scope="module")
def blocked_agent():
    """ACLs on, default deny, and the role's block list; the master token may do anything else."""
    agent = ConsulAgent("it-blocked", acl=True,
                        extra_hcl='http_config { block_endpoints = ["%s"] }' % '", "'.join(BLOCKED)).start()
    yield agent
    agent.stop()


def put(agent, path, body):
    return requests.put(agent.url + path, json=body, headers={"X-Consul-Token": agent.master_token}, timeout=10)


@pytest.mark.parametrize("path, body", CATALOG_WRITES, ids=["register", "deregister", "critical_check", "txn"])
def test_catalog_writes_are_refused_even_with_the_management_token(blocked_agent, path, body):
    agent = blocked_agent
    before = agent.api("GET", "/v1/catalog/node/other")
    for variant in (path, path.replace("/v1/", "/v1//"), path + "?dc=dc1"):
        response = put(agent, variant, body)   # requests follows Consul's 301 to the cleaned path
        assert response.status_code == 403, (variant, response.status_code, response.text)
        assert "blocked" in response.text
    assert before is None and agent.api("GET", "/v1/catalog/node/other") is None


def test_a_control_agent_without_the_block_takes_the_same_writes(agent):
    """The positive control: the same request on an agent without the list is taken (200)."""
    response = requests.put(agent.url + "/v1/catalog/register", timeout=10, json=CATALOG_WRITES[0][1])
    try:
        assert response.status_code == 200, response.text
    finally:
        requests.put(agent.url + "/v1/catalog/deregister", json={"Node": "other"}, timeout=10)


def test_the_modules_work_with_the_block_in_place(blocked_agent):
    conn = blocked_agent.connection()
    service = dict(conn, id="it-blk", name="it-blk", address="127.0.0.31", tags=["a"],
                   checks=[dict(tcp="127.0.0.31:9", interval="30s")])
    try:
        assert run_module("consul_service", service)["changed"] is True
        assert run_module("consul_service", service)["changed"] is False
        assert run_module("consul_service", dict(service, tags=["b"]))["changed"] is True
        check = dict(conn, check_id="it-blk-ttl", name="ttl", ttl="30s", service_id="it-blk")
        assert run_module("consul_check", check)["changed"] is True
        assert run_module("consul_check", check)["changed"] is False
        assert run_module("consul_check", dict(check, state="absent"))["changed"] is True
        services = [dict(id="it-blk-set-%d" % i, name="it-blk-set") for i in (1, 2)]
        args = dict(conn, services=services, set_name="it-blk", purge=True)
        assert run_module("consul_services", args)["changed"] is True
        assert run_module("consul_services", dict(args, services=services[:1]))["changed"] is True
        assert sorted(s for s in blocked_agent.api("GET", "/v1/agent/services") if s.startswith("it-blk")) == \
            ["it-blk", "it-blk-set-1"]
        maintenance = dict(conn, service_id="it-blk", state="enabled", reason="block test")
        assert run_module("consul_maintenance", maintenance)["changed"] is True
        assert run_module("consul_maintenance", dict(maintenance, state="disabled"))["changed"] is True
    finally:
        for sid in ("it-blk", "it-blk-set-1", "it-blk-set-2"):
            run_module("consul_service", dict(conn, id=sid, state="absent"))
    assert run_module("consul_service", dict(conn, id="it-blk", state="absent"))["changed"] is False
