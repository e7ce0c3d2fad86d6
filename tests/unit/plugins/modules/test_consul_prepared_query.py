"""consul_prepared_query against a fake Consul: only_passing reaches the definition and the comparison."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy

import pytest
from module_run import run_module

from ansible_collections.discovery.consul_dns.plugins.modules import consul_prepared_query


class FakeQueries(object):
    """/v1/query: what was written is what is listed, with the fields Consul adds."""

    def __init__(self, *queries):
        self.queries = [copy.deepcopy(query) for query in queries]
        self.writes = []

    def prepared_queries(self):
        return copy.deepcopy(self.queries)

    def create_prepared_query(self, definition):
        self.writes.append(("create", definition))
        self.queries.append(dict(copy.deepcopy(definition), ID="q-%d" % len(self.queries), Session="", Token=""))
        return {"ID": self.queries[-1]["ID"]}

    def update_prepared_query(self, query_id, definition):
        self.writes.append(("update", definition))
        self.queries = [dict(copy.deepcopy(definition), ID=query_id) if q["ID"] == query_id else q for q in self.queries]


def listed(only_passing):
    """A query as Consul lists it (nulls where nothing was set)."""
    return {"ID": "q-0", "Name": "www", "Session": "", "Token": "",
            "Service": {"Service": "web", "Tags": None, "OnlyPassing": only_passing, "Near": "",
                        "Failover": {"NearestN": 0, "Datacenters": None}, "NodeMeta": None, "ServiceMeta": None,
                        "IgnoreCheckIDs": None},
            "DNS": {"TTL": ""}}


def run(monkeypatch, consul, **args):
    return run_module(monkeypatch, consul_prepared_query, consul, name="www", service="web", **args)


@pytest.mark.parametrize("args,only_passing", [({}, True), ({"only_passing": True}, True), ({"only_passing": False}, False)])
def test_the_created_query_carries_only_passing(monkeypatch, args, only_passing):
    consul = FakeQueries()
    result = run(monkeypatch, consul, **args)
    assert result["changed"] is True
    assert [(verb, query["Service"]["OnlyPassing"]) for verb, query in consul.writes] == [("create", only_passing)]
    assert result["query"]["Service"]["OnlyPassing"] is only_passing


@pytest.mark.parametrize("current,wanted", [(False, True), (True, False)])
def test_a_query_differing_only_in_only_passing_is_updated(monkeypatch, current, wanted):
    consul = FakeQueries(listed(current))
    result = run(monkeypatch, consul, only_passing=wanted)
    assert result["changed"] is True
    assert [(verb, query["Service"]["OnlyPassing"]) for verb, query in consul.writes] == [("update", wanted)]


@pytest.mark.parametrize("only_passing", [True, False])
def test_a_query_as_declared_is_left_alone(monkeypatch, only_passing):
    consul = FakeQueries(listed(only_passing))
    assert run(monkeypatch, consul, only_passing=only_passing)["changed"] is False
    assert consul.writes == []
