from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.discovery.consul_dns.plugins.module_utils import advisories
from ansible_collections.discovery.consul_dns.plugins.module_utils.advisories import report

OF_187 = ["CVE-2021-37219", "CVE-2021-38698", "CVE-2022-29153"]


@pytest.mark.parametrize("text", ["1.8.7", "Consul v1.8.7\nRevision 1.8.7+dfsg1\n", "1.8.7+dfsg1-2+b3", "1:1.8.7+dfsg1-2"])
def test_the_default_package_has_three_advisories_each_warned_naming_what_an_attacker_gains(text):
    found = report(text)
    assert found["version"] == "1.8.7"
    assert found["advisories"] == OF_187
    assert not found["unknown"]
    assert len(found["warnings"]) == 3
    rpc, txn, ssrf = found["warnings"]
    assert "CVE-2021-37219 (fixed in 1.8.15, 1.9.9, 1.10.2)" in rpc and "server-only Raft RPC" in rpc
    assert "root on any agent host" in rpc
    assert "CVE-2022-29153 (fixed in 1.9.17, 1.10.10, 1.11.5)" in ssrf and "redirects" in ssrf
    assert "Txn.Apply" in txn
    assert all("consul_accepted_advisories" in warning for warning in found["warnings"])


@pytest.mark.parametrize("version, expected", [
    ("1.8.14", OF_187),
    ("1.8.15", ["CVE-2022-29153"]),     # the 1.8 line never had the SSRF fix
    ("1.8.19", ["CVE-2022-29153"]),
    ("1.7.2", OF_187),                  # older lines are affected too
    ("1.8", OF_187),                    # 1.8 = 1.8.0
])
def test_affected_ranges(version, expected):
    assert report(version)["advisories"] == expected


def test_the_ranges_of_later_lines_are_those_hashicorp_fixed():
    def ids(version):
        return [advisory.id for advisory in advisories.affecting(advisories.parse(version))]
    assert ids("1.9.8") == OF_187 and ids("1.9.9") == ["CVE-2022-29153"] and ids("1.9.17") == []
    assert ids("1.10.1") == OF_187 and ids("1.10.2") == ["CVE-2022-29153"] and ids("1.10.10") == []
    assert ids("1.11.4") == ["CVE-2022-29153"] and ids("1.11.5") == []


def test_each_accepted_advisory_is_silenced_and_only_that_one():
    found = report("1.8.7", ["CVE-2021-37219", " CVE-2021-38698 "])
    assert found["advisories"] == ["CVE-2022-29153"]
    assert found["accepted"] == ["CVE-2021-37219", "CVE-2021-38698"]
    assert len(found["warnings"]) == 1 and "CVE-2022-29153" in found["warnings"][0]
    assert report("1.8.7", OF_187)["warnings"] == []
    # a typo accepts nothing
    assert len(report("1.8.7", ["CVE-2021-3721"])["warnings"]) == 3


@pytest.mark.parametrize("text", ["", None, "consul: command not found", "vX"])
def test_a_version_that_cannot_be_read_is_warned_as_unknown(text):
    found = report(text)
    assert found["unknown"] and found["version"] == "" and found["advisories"] == []
    assert len(found["warnings"]) == 1 and "could not be read" in found["warnings"][0]
    # nothing to accept it by but a version: still warned
    assert report(text, ["CVE-2021-37219"])["warnings"] == found["warnings"]


@pytest.mark.parametrize("text", ["1.9.0", "Consul v1.21.4", "2.0.0"])
def test_a_version_newer_than_the_table_was_reviewed_for_is_warned_as_unknown(text):
    found = report(text)
    assert found["unknown"]
    unknown = [warning for warning in found["warnings"] if "newer than the releases" in warning]
    assert len(unknown) == 1 and "(1.8.x)" in unknown[0], found["warnings"]
    # accepted for that version only
    accepted = report(text, [found["version"]])
    assert not [warning for warning in accepted["warnings"] if "newer than the releases" in warning]
    assert [w for w in report(text, ["3.0.0"])["warnings"] if "newer than the releases" in w] == unknown


def test_a_version_newer_than_reviewed_still_gets_the_advisories_the_table_knows():
    found = report("1.9.5")
    assert found["advisories"] == OF_187 and found["unknown"]
    assert len(found["warnings"]) == 4


def test_the_table_is_well_formed():
    for advisory in advisories.ADVISORIES:
        assert advisory.id.startswith("CVE-") and advisory.gains and advisory.url.startswith("https://")
        for first, fixed in advisory.affected:
            assert fixed is None or advisories.parse(first) < advisories.parse(fixed)


def test_the_first_release_of_an_affected_line_is_affected():
    def ids(version):
        return [advisory.id for advisory in advisories.affecting(advisories.parse(version))]
    assert ids("1.9.0") == OF_187 and ids("1.10.0") == OF_187
    assert ids("1.11.0") == ["CVE-2022-29153"]
    assert ids("0.0") == OF_187


def test_a_version_without_patch_level_is_its_dot_zero_release():
    found = report("Consul v1.9")
    assert found["version"] == "1.9.0"
    # so the operator accepts it as it is reported
    assert not [warning for warning in report("Consul v1.9", ["1.9.0"])["warnings"] if "newer than" in warning]


def test_unknown_is_a_boolean_as_documented():
    assert report("1.8.7")["unknown"] is False
    assert report("2.0.0")["unknown"] is True and report("")["unknown"] is True


def test_the_warnings_operators_read_in_full():
    rpc = report("1.8.7")["warnings"][0]
    assert rpc == (
        "Consul 1.8.7 has CVE-2021-37219 (fixed in 1.8.15, 1.9.9, 1.10.2): any certificate of the cluster's CA "
        "reaches the servers' server-only Raft RPC: root on any agent host (which holds an agent certificate) can "
        "act as a server towards the others. Install a maintained build (consul_install_method archive or local, "
        "docs/security.md) or accept it in consul_accepted_advisories. https://nvd.nist.gov/vuln/detail/CVE-2021-37219")
    assert report("Consul v1.21.4", OF_187)["warnings"] == [
        "Consul 1.21.4 is newer than the releases this collection's advisory table was reviewed for (1.8.x): its "
        "known advisories are unknown to the role. Check HashiCorp's security bulletins, then put '1.21.4' in "
        "consul_accepted_advisories."]
    assert report("consul: command not found")["warnings"] == [
        "Consul's version could not be read ('consul: command not found'), so its known advisories are unknown to "
        "the role: check that the consul binary answers 'consul version' on the host."]


def test_an_advisory_no_release_fixed_is_warned_as_such(monkeypatch):
    unfixed = advisories.Advisory("CVE-0000-0001", (("1.0.0", None),), "nothing", "https://example.invalid/")
    monkeypatch.setattr(advisories, "ADVISORIES", (unfixed,))
    assert report("1.8.7")["warnings"] == [
        "Consul 1.8.7 has CVE-0000-0001 (fixed in no release): nothing. Install a maintained build "
        "(consul_install_method archive or local, docs/security.md) or accept it in consul_accepted_advisories. "
        "https://example.invalid/"]
    # a line with no fix is affected up from its first release, to any patch level
    assert report("1.8.99")["advisories"] == ["CVE-0000-0001"] and report("0.9.9")["advisories"] == []
