"""consul_status on a fake Consul: what it reads and each problem it names; the DNS servers asked."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from module_run import run_module

from ansible_collections.discovery.consul_dns.plugins.modules import consul_status

KEY = "pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s="
OTHER_KEY = "jMnMWy8ShcobRZFbLnuCV6iHGP7jfK6It+dWhnYGIEE="


def entry(node, address, *statuses, **kwargs):
    checks = [dict(CheckID=kwargs.get("check_id", "service:web%d" % n), Status=status) for n, status in enumerate(statuses)]
    return dict(Node=dict(Node=node, Address=address), Service=dict(Service="web", Address=address, Port=8000), Checks=checks)


class FakeCluster(object):
    def __init__(self, servers=3, leader="node2", instances=None, keys=None, version="1.8.7"):
        self.servers = [dict(Node="node%d" % n, Address="10.0.0.1%d:8300" % n, Voter=True, Leader="node%d" % n == leader)
                        for n in range(1, servers + 1)]
        self.instances = instances if instances is not None else [
            entry("web1", "10.0.0.21", "passing"), entry("web2", "10.0.0.22", "passing")]
        self.keys = keys or {KEY: 8}
        self.version = version

    def raft_configuration(self):
        return dict(Servers=self.servers)

    def catalog_services(self):
        return {"consul": [], "web": []}

    def service_instances(self, name, passing=True):
        assert name == "web" and passing is None
        return self.instances

    def keyring(self):
        return [dict(WAN=False, Datacenter="bj", Keys=self.keys, PrimaryKeys={KEY: 8}, NumNodes=8)]

    def agent_self(self):
        return dict(Config=dict(Version=self.version))


def run(monkeypatch, fake, answers=None, **args):
    monkeypatch.setattr(consul_status, "ask", lambda server, name, timeout: (answers or {}).get((server, name), []))
    return run_module(monkeypatch, consul_status, fake, **args)


def test_a_healthy_cluster_has_no_problems_and_is_read_whole(monkeypatch):
    answers = {("10.0.0.31", "web.service.zhangeamon.com"): ["10.0.0.21", "10.0.0.22"]}
    result = run(monkeypatch, FakeCluster(), answers, servers=3, dns_servers=["10.0.0.31"], domain="zhangeamon.com.")
    assert result["problems"] == [] and result["changed"] is False
    assert result["leader"] == "node2" and [peer["node"] for peer in result["peers"]] == ["node1", "node2", "node3"]
    assert result["services"] == {"web": [dict(node="web1", address="10.0.0.21", port=8000, status="passing"),
                                          dict(node="web2", address="10.0.0.22", port=8000, status="passing")]}
    assert result["dns"] == {"10.0.0.31": {"web": ["10.0.0.21", "10.0.0.22"]}}
    assert result["keyring"][0]["keys"] == {consul_status.gossip_key_digest(KEY): 8} and KEY not in repr(result)
    assert result["version"] == "1.8.7" and result["advisories"]   # 1.8.7 has known advisories, shown not failed


@pytest.mark.parametrize("fake,args,problem", [
    (FakeCluster(leader=""), {}, "no Raft leader"),
    (FakeCluster(servers=2), dict(servers=3), "Raft has 2 servers, 3 wanted"),
    (FakeCluster(instances=[entry("web2", "10.0.0.22", "passing", "critical")]), {}, "web on web2 (10.0.0.22) is critical"),
    (FakeCluster(instances=[entry("web2", "10.0.0.22", "warning")]), {}, "web on web2 (10.0.0.22) is warning"),
    (FakeCluster(instances=[entry("web2", "10.0.0.22", "critical", check_id="_service_maintenance:web2")]), {},
     "web on web2 (10.0.0.22) is maintenance"),
    (FakeCluster(keys={KEY: 8, OTHER_KEY: 8}), {}, "gossip keyring LAN dc bj"),
    (FakeCluster(keys={KEY: 7}), {}, "gossip keyring LAN dc bj"),
])
def test_each_problem_is_named(monkeypatch, fake, args, problem):
    result = run(monkeypatch, fake, **args)
    assert any(line.startswith(problem) for line in result["problems"]), result["problems"]
    assert KEY not in repr(result) and OTHER_KEY not in repr(result)


def test_a_forwarder_answering_other_addresses_than_the_passing_ones_or_none_is_named(monkeypatch):
    fake = FakeCluster(instances=[entry("web1", "10.0.0.21", "passing"), entry("web2", "10.0.0.22", "critical")])
    answers = {("10.0.0.31", "web.service.consul"): ["10.0.0.21", "10.0.0.22"], ("10.0.0.32", "web.service.consul"): "timed out"}
    result = run(monkeypatch, fake, answers, dns_servers=["10.0.0.31", "10.0.0.32"])
    assert "DNS 10.0.0.31 answers web with 10.0.0.21, 10.0.0.22; passing: 10.0.0.21" in result["problems"]
    assert "DNS 10.0.0.32 gives no answer for web: timed out" in result["problems"]


def test_a_server_that_is_not_a_voter_is_named(monkeypatch):
    fake = FakeCluster()
    fake.servers[0]["Voter"] = False
    assert "server node1 (10.0.0.11:8300) is not a voter" in run(monkeypatch, fake)["problems"]


def test_an_alias_service_is_compared_with_the_service_it_names_and_another_name_not_at_all(monkeypatch):
    """www's instances carry web's name in the domain (a CNAME): a client gets web's passing addresses."""
    fake = FakeCluster(instances=[entry("web1", "10.0.0.21", "passing"), entry("web2", "10.0.0.22", "critical")])
    services = dict(web=[consul_status.instance_of(item) for item in fake.instances],
                    www=[dict(node="dns1", address="Web.service.zhangeamon.com.", port=0, status="passing")],
                    ext=[dict(node="dns1", address="example.org", port=0, status="passing")])
    assert consul_status.expected_answer("www", services, "zhangeamon.com") == ["10.0.0.21"]
    assert consul_status.expected_answer("ext", services, "zhangeamon.com") is None
    answers = {"10.0.0.31": {"www": ["10.0.0.21", "10.0.0.22"], "ext": ["192.0.2.1"]}}
    problems = consul_status.problems_of("node1", [], services, answers, [], 0, "zhangeamon.com")
    assert [p for p in problems if p.startswith("DNS")] == ["DNS 10.0.0.31 answers www with 10.0.0.21, 10.0.0.22; passing: 10.0.0.21"]
