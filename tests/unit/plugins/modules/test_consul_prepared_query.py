"""consul_prepared_query against a fake Consul: only_passing, near, failover, node_meta, service_meta and
ignore_check_ids reach the definition and the comparison."""

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


# option -> (a value, another value, where the definition holds it, the module's default). Each is sent
# to Consul and compared: a query that differs in it alone must be updated, one that matches left alone.
OPTIONS = {
    "near": ("_agent", "web1", lambda service: service["Near"], ""),
    "failover_nearest_n": (2, 3, lambda service: service["Failover"]["NearestN"], 0),
    "failover_datacenters": (["dc2", "dc3"], ["dc3"], lambda service: service["Failover"]["Datacenters"], []),
    "node_meta": ({"rack": "r1"}, {"rack": "r2"}, lambda service: service["NodeMeta"], {}),
    "service_meta": ({"version": "2"}, {"version": "3"}, lambda service: service["ServiceMeta"], {}),
    "ignore_check_ids": (["maint"], ["maint", "disk"], lambda service: service["IgnoreCheckIDs"], []),
}
# the field of Consul's definition each option sets, and how Consul lists that field when it is unset
FIELDS = {
    "near": (("Near",), ""),
    "failover_nearest_n": (("Failover", "NearestN"), 0),
    "failover_datacenters": (("Failover", "Datacenters"), None),
    "node_meta": (("NodeMeta",), None),
    "service_meta": (("ServiceMeta",), None),
    "ignore_check_ids": (("IgnoreCheckIDs",), None),
}


def listed_with(option, value):
    """A query as Consul lists it, only ``option`` set (to ``value``)."""
    query = listed(True)
    path, unset = FIELDS[option]
    holder = query["Service"]
    for field in path[:-1]:
        holder = holder[field]
    holder[path[-1]] = unset if value == OPTIONS[option][3] else copy.deepcopy(value)
    return query


@pytest.mark.parametrize("option", sorted(OPTIONS))
def test_the_created_query_carries_the_option(monkeypatch, option):
    value, _other, field, _default = OPTIONS[option]
    consul = FakeQueries()
    result = run(monkeypatch, consul, **{option: value})
    assert result["changed"] is True
    assert [(verb, field(query["Service"])) for verb, query in consul.writes] == [("create", value)]
    assert field(result["query"]["Service"]) == value


@pytest.mark.parametrize("option", sorted(OPTIONS))
@pytest.mark.parametrize("change", ["set", "changed", "cleared"])
def test_a_query_differing_only_in_the_option_is_updated_then_left_alone(monkeypatch, option, change):
    value, other, field, default = OPTIONS[option]
    current, wanted = dict(set=(default, value), changed=(value, other), cleared=(value, default))[change]
    consul = FakeQueries(listed_with(option, current))
    args = {} if wanted == default else {option: wanted}
    result = run(monkeypatch, consul, **args)
    assert result["changed"] is True, "a query differing only in %s was not updated" % option
    assert [(verb, field(query["Service"])) for verb, query in consul.writes] == [("update", wanted)]
    # Consul now holds what was sent: the same task again changes nothing
    assert run(monkeypatch, consul, **args)["changed"] is False
    assert len(consul.writes) == 1


@pytest.mark.parametrize("option", sorted(OPTIONS))
def test_a_query_as_declared_with_the_option_is_left_alone(monkeypatch, option):
    value = OPTIONS[option][0]
    consul = FakeQueries(listed_with(option, value))
    assert run(monkeypatch, consul, **{option: value})["changed"] is False
    assert consul.writes == []
