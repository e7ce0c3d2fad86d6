from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.discovery.consul_dns.plugins.filter.status_report import FilterModule, status_report

STATUS = dict(
    version="1.8.7", leader="node2", advisories=["CVE-2021-41803"], problems=[],
    peers=[dict(node="node1", address="10.0.0.11:8300", voter=True, leader=False),
           dict(node="node2", address="10.0.0.12:8300", voter=True, leader=True)],
    services={"web": [dict(node="web1", address="10.0.0.21", port=8000, status="passing"),
                      dict(node="web2", address="10.0.0.22", port=8000, status="critical")]},
    dns={"10.0.0.31": {"web": ["10.0.0.21"]}, "10.0.0.32": {"web": "timed out"}},
    keyring=[dict(pool="LAN dc bj", members=8, keys={"sha256:0123456789ab": 8})],
)
NOW = "2026-12-03T12:00:00Z"


def hostvars(**certificates):
    return dict((host, dict(status_certificates=files)) for host, files in certificates.items())


def test_the_report_shows_each_part_and_who_answers_which_address():
    report = status_report(STATUS, hostvars(web1={"/etc/consul.d/tls/agent.pem": "2029-03-08T10:15:00Z"}), ["web1", "web2"], NOW)
    text = "\n".join(report["lines"])
    assert "Consul 1.8.7, leader node2" in text and "advisories not accepted: CVE-2021-41803" in text
    assert [line.split()[:5] for line in report["lines"] if line.startswith("web ")] == [
        ["web", "web1", "10.0.0.21:8000", "passing", "10.0.0.31"], ["web", "web2", "10.0.0.22:8000", "critical", "-"]]
    assert any(line.split()[-1] == "825" for line in report["lines"] if line.startswith("web1 "))   # days left
    assert "LAN dc bj" in text and "sha256:0123456789ab on 8" in text
    assert report["problems"] == [] and report["lines"][-1] == "no problems"


@pytest.mark.parametrize("end,days,problem", [
    ("2026-12-20T12:00:00Z", 30, "certificate /c.pem on web1 ends in 17 days (2026-12-20T12:00:00Z), fewer than 30"),
    ("2026-12-01T12:00:00Z", 0, "certificate /c.pem on web1 ends in -2 days (2026-12-01T12:00:00Z), fewer than 0"),
    (None, 30, "certificate /c.pem on web1 could not be read"),
])
def test_a_certificate_near_its_end_or_unreadable_is_a_problem(end, days, problem):
    report = status_report(dict(STATUS, problems=["web on web2 (10.0.0.22) is critical"]), hostvars(web1={"/c.pem": end}),
                           ["web1"], NOW, days)
    assert report["problems"] == ["web on web2 (10.0.0.22) is critical", problem]
    assert report["lines"][-2:] == ["PROBLEM: " + p for p in report["problems"]]


def test_hosts_without_certificates_or_outside_the_list_are_left_out():
    report = status_report(STATUS, dict(hostvars(web1={"/c.pem": None}), web2={}), ["web2", "gone"], NOW)
    assert report["problems"] == []


@pytest.mark.parametrize("status,now", [(STATUS, "yesterday"), ("not a result", NOW)])
def test_bad_input_is_named(status, now):
    with pytest.raises(AnsibleFilterError, match="status_report"):
        status_report(status, {}, [], now)


def test_the_filter_is_registered_under_its_name():
    assert FilterModule().filters() == {"status_report": status_report}


# 2026-12-03T12:00:00Z in seconds since the epoch
NOW_EPOCH = 1796299200


@pytest.mark.parametrize("newest,problem", [
    (NOW_EPOCH - 1800, None),
    (NOW_EPOCH - 26 * 3600, "the newest snapshot on node1 is 26.0 hours old (2026-12-02T10:00:00Z), more than 25"),
    (None, "no snapshot on node1"),
])
def test_each_servers_newest_snapshot_is_shown_and_one_missing_or_too_old_is_a_problem(newest, problem):
    report = status_report(STATUS, dict(node1=dict(status_snapshot=dict(newest=newest)), web1={}), ["node1", "web1"], NOW)
    assert report["problems"] == ([problem] if problem else [])
    rows = [line.split() for line in report["lines"] if line.startswith("node1 ")][-1:]   # after its Raft row
    assert rows == [["node1", "2026-12-03T11:30:00Z", "0.5"] if newest == NOW_EPOCH - 1800 else
                    ["node1", "2026-12-02T10:00:00Z", "26.0"] if newest else ["node1", "none", "-"]]


def test_a_tighter_snapshot_bound_is_taken():
    report = status_report(STATUS, dict(node1=dict(status_snapshot=dict(newest=NOW_EPOCH - 3 * 3600))), ["node1"], NOW, 30, 2)
    assert report["problems"] == ["the newest snapshot on node1 is 3.0 hours old (2026-12-03T09:00:00Z), more than 2"]


def test_no_snapshot_table_without_servers_that_take_them():
    assert not any(line.startswith("SERVER") for line in status_report(STATUS, {}, [], NOW)["lines"])
