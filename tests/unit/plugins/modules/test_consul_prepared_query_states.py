"""consul_prepared_query against a fake Consul: the service, tags and DNS TTL sent and compared
(durations as Consul normalises them), values given as numbers sent as text, deletion, check mode,
the query ID returned, and the options it requires."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from module_run import run_module
from test_consul_prepared_query import FakeQueries, listed

from ansible_collections.discovery.consul_dns.plugins.modules import consul_prepared_query


class Queries(FakeQueries):

    def delete_prepared_query(self, query_id):
        self.writes.append(("delete", query_id))
        self.queries = [q for q in self.queries if q["ID"] != query_id]


def run(monkeypatch, consul, **args):
    return run_module(monkeypatch, consul_prepared_query, consul, **args)


def test_a_new_query_is_created_for_its_service_and_its_id_returned(monkeypatch):
    consul = Queries()
    result = run(monkeypatch, consul, name="www", service="web", tags=["rails"], dns_ttl="60s")
    assert result["changed"] is True and result["query_id"] == "q-0"
    sent = consul.writes[0][1]
    assert consul.writes[0][0] == "create"
    assert (sent["Name"], sent["Service"]["Service"], sent["Service"]["Tags"], sent["DNS"]) == \
        ("www", "web", ["rails"], {"TTL": "1m0s"})
    assert result["query"] == sent
    again = run(monkeypatch, consul, name="www", service="web", tags=["rails"], dns_ttl="1m")
    assert (again["changed"], again["query_id"]) == (False, "q-0") and len(consul.writes) == 1


@pytest.mark.parametrize("listed_ttl,changed", [("1m0s", False), ("60s", False), ("30s", True), ("", True)])
def test_the_dns_ttl_is_compared_as_a_duration(monkeypatch, listed_ttl, changed):
    query = listed(True)
    query["DNS"]["TTL"] = listed_ttl
    consul = Queries(query)
    result = run(monkeypatch, consul, name="www", service="web", dns_ttl="1m")
    assert result["changed"] is changed
    assert consul.writes == ([("update", result["query"])] if changed else [])


def test_a_query_with_a_dns_ttl_left_unset_loses_it(monkeypatch):
    query = listed(True)
    query["DNS"]["TTL"] = "10s"
    consul = Queries(query)
    result = run(monkeypatch, consul, name="www", service="web")
    assert result["changed"] is True and consul.writes[0][1]["DNS"] == {"TTL": ""}


@pytest.mark.parametrize("args,field", [
    (dict(service="api"), lambda q: q["Service"]["Service"]),
    (dict(tags=["v2"]), lambda q: q["Service"]["Tags"]),
])
def test_a_query_for_another_service_or_tags_is_updated(monkeypatch, args, field):
    consul = Queries(listed(True))
    result = run(monkeypatch, consul, **dict(dict(name="www", service="web"), **args))
    assert result["changed"] is True and result["query_id"] == "q-0"
    assert [(verb, field(q)) for verb, q in consul.writes] == [("update", list(args.values())[0])]


def test_a_query_listed_with_fields_left_out_compares_as_their_defaults(monkeypatch):
    consul = Queries({"ID": "q-0", "Name": "www", "Service": {"Service": "web", "OnlyPassing": True}})
    assert run(monkeypatch, consul, name="www", service="web")["changed"] is False


def test_values_given_as_numbers_are_sent_as_text_and_then_match(monkeypatch):
    consul = Queries()
    args = dict(name=2024, service=8080, tags=[1], failover_datacenters=[2], ignore_check_ids=[3])
    run(monkeypatch, consul, **args)
    sent = consul.writes[0][1]
    assert (sent["Name"], sent["Service"]["Service"], sent["Service"]["Tags"], sent["Service"]["Failover"]["Datacenters"],
            sent["Service"]["IgnoreCheckIDs"]) == ("2024", "8080", ["1"], ["2"], ["3"])
    assert run(monkeypatch, consul, **args)["changed"] is False


def test_an_absent_query_is_deleted_once(monkeypatch):
    consul = Queries(listed(True), dict(listed(True), ID="q-1", Name="other"))
    result = run(monkeypatch, consul, name="www", state="absent")
    assert result["changed"] is True and "query" not in result and "query_id" not in result
    assert consul.writes == [("delete", "q-0")]
    assert run(monkeypatch, consul, name="www", state="absent")["changed"] is False
    assert [q["Name"] for q in consul.queries] == ["other"]


def test_check_mode_reports_the_change_and_makes_none(monkeypatch):
    consul = Queries()
    result = run(monkeypatch, consul, name="www", service="web", _ansible_check_mode=True)
    assert result["changed"] is True and "query_id" not in result and result["query"]["Service"]["Service"] == "web"
    consul = Queries(listed(True))
    assert run(monkeypatch, consul, name="www", state="absent", _ansible_check_mode=True)["changed"] is True
    assert consul.writes == []


@pytest.mark.parametrize("args,message", [
    (dict(service="web"), "missing required arguments: name"),
    (dict(name="www"), "state is present but all of the following are missing: service"),
    (dict(name="www", service="web", state="gone"), "value of state must be one of: present, absent, got: gone"),
    (dict(name="www", service="web", failover_nearest_n=-1), "failover_nearest_n must be 0 or more, got -1"),
    (dict(name="www", service="web", dns_ttl="soon"), "dns_ttl: 'soon' is not a duration"),
])
def test_what_is_missing_or_wrong_is_refused_by_name(monkeypatch, args, message):
    consul = Queries()
    result = run(monkeypatch, consul, **args)
    assert result["failed"] is True and result["msg"].startswith(message)
    assert consul.writes == []
