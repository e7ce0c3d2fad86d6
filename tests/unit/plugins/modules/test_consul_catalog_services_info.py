"""consul_catalog_services_info: the catalog's services, read again until those waited for are there
or the timeout (main() on a fake catalog and a fake clock)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import functools

import pytest
from fake_clock import FakeClock
from module_run import run_module

from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_client import ConsulError
from ansible_collections.discovery.consul_dns.plugins.modules import consul_catalog_services_info as module
from ansible_collections.discovery.consul_dns.plugins.modules.consul_catalog_services_info import wait_for_services


class Catalog(object):
    """Answers /v1/catalog/services from a script, one entry per read, the last repeated."""

    url = "http://127.0.0.1:8500"

    def __init__(self, *answers):
        self.answers, self.reads = answers, 0

    def catalog_services(self):
        answer = self.answers[min(self.reads, len(self.answers) - 1)]
        self.reads += 1
        if isinstance(answer, Exception):
            raise answer
        return answer


CONSUL = {"consul": []}
WEB = {"consul": [], "web": ["rails", "primary"]}
BOTH = dict(WEB, api=[])


@pytest.fixture
def clock(monkeypatch):
    clock = FakeClock()
    clock.now = 700.0
    monkeypatch.setattr(module, "wait_for_services", functools.partial(wait_for_services, clock=clock, sleep=clock.sleep))
    return clock


def test_without_wait_for_the_catalog_is_read_once(monkeypatch, clock):
    catalog = Catalog(WEB)
    result = run_module(monkeypatch, module, catalog)
    assert result == {"changed": False, "services": WEB, "missing": [], "waited": 0}
    assert catalog.reads == 1


def test_the_services_waited_for_are_read_until_all_are_there(monkeypatch, clock):
    catalog = Catalog(CONSUL, WEB, WEB, BOTH)
    result = run_module(monkeypatch, module, catalog, wait_for=["web", "api"], poll_interval=0.5, _ansible_check_mode=True)
    assert "failed" not in result and result["changed"] is False
    assert result["services"] == BOTH and result["missing"] == [] and result["waited"] == 1.5
    assert catalog.reads == 4


def test_services_still_missing_at_the_timeout_are_named_without_failing(monkeypatch, clock):
    catalog = Catalog(CONSUL, WEB)
    result = run_module(monkeypatch, module, catalog, wait_for=["web", "api", "db"], timeout=2, poll_interval=0.5)
    assert "failed" not in result
    assert result["missing"] == ["api", "db"] and result["services"] == WEB and result["waited"] == 2
    assert catalog.reads == 5


def test_by_default_the_wait_reads_every_second_for_15_seconds(monkeypatch, clock):
    catalog = Catalog(CONSUL)
    result = run_module(monkeypatch, module, catalog, wait_for=["web"])
    assert result["missing"] == ["web"] and result["waited"] == 15 and catalog.reads == 16


def test_a_failed_read_fails_the_module_with_consuls_status(monkeypatch, clock):
    catalog = Catalog(CONSUL, ConsulError("reading the catalog's services: ACL not found", status=403))
    result = run_module(monkeypatch, module, catalog, wait_for=["web"])
    assert result["failed"] is True and result["status"] == 403
    assert result["msg"] == "reading the catalog's services: ACL not found"


def test_the_seconds_waited_count_from_the_start_rounded_to_hundredths():
    clock = FakeClock()
    clock.now = 700.0
    # three intervals of 0.345 s: 1.035 s, 1.03 or 1.04 in binary floats
    services, missing, waited = wait_for_services(Catalog(CONSUL, CONSUL, CONSUL, WEB), ["web"], 30, 0.345,
                                                  clock=clock, sleep=clock.sleep)
    assert services == WEB and missing == [] and waited in (1.03, 1.04)
    services, missing, waited = wait_for_services(Catalog(CONSUL), ["web"], 1, 0.345, clock=clock, sleep=clock.sleep)
    assert missing == ["web"] and waited in (1.03, 1.04)
