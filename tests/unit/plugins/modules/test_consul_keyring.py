"""consul_keyring against a fake keyring that behaves as Consul's: a key installed on every member
before it is used, the primary key never removed, a failing member failing the request, and the keys
never in a result."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from module_run import run_module

from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_client import ConsulError
from ansible_collections.discovery.consul_dns.plugins.modules import consul_keyring

OLD, NEW, OLDER = (base64.b64encode(bytes([n]) * 32).decode() for n in (1, 2, 3))


class FakeKeyring(object):
    """Each pool's members, each member with the keys it holds and its primary key."""

    def __init__(self, pools, failing=()):
        # pools: {(WAN, datacenter): [(keys, primary), ...]}
        self.pools = dict((name, [dict(keys=set(keys), primary=primary) for keys, primary in members])
                          for name, members in pools.items())
        self.failing = set(failing)
        self.changes = []

    def keyring(self):
        answer = []
        for (wan, datacenter), members in sorted(self.pools.items()):
            keys, primary = {}, {}
            for member in members:
                for key in member["keys"]:
                    keys[key] = keys.get(key, 0) + 1
                primary[member["primary"]] = primary.get(member["primary"], 0) + 1
            answer.append(dict(WAN=wan, Datacenter=datacenter, Segment="", Keys=keys, PrimaryKeys=primary,
                               NumNodes=len(members)))
        return answer

    def keyring_change(self, change, key):
        self.changes.append((change, key))
        if change in self.failing:
            raise ConsulError("%s a gossip key: 1/3 nodes reported failure" % change)
        for members in self.pools.values():
            for member in members:
                if change == "install":
                    member["keys"].add(key)
                elif change == "use":
                    if key not in member["keys"]:
                        raise ConsulError("use: key not installed")
                    member["primary"] = key
                elif member["primary"] == key:
                    raise ConsulError("Removing the primary key is not allowed")
                else:
                    member["keys"].discard(key)

    def every_primary_held_by_all(self):
        for members in self.pools.values():
            for member in members:
                if not all(member["primary"] in other["keys"] for other in members):
                    return False
        return True


def cluster(*members, **wan):
    """A LAN pool of these members; ``servers``: how many of them are in the WAN pool too."""
    pools = {(False, "bj"): list(members)}
    if wan.get("servers"):
        pools[(True, "bj")] = list(members[:wan["servers"]])
    return FakeKeyring(pools)


def run(monkeypatch, fake, key=NEW, **args):
    return run_module(monkeypatch, consul_keyring, fake, as_returned=True, key=key, **args)


def test_a_keyring_of_the_key_alone_is_left_alone(monkeypatch):
    fake = cluster(({NEW}, NEW), ({NEW}, NEW), ({NEW}, NEW), servers=2)
    result = run(monkeypatch, fake)
    assert result["changed"] is False and fake.changes == [] and result["steps"] == []
    assert result["pools"] == [dict(pool="LAN dc bj", members=3, keys=1), dict(pool="WAN", members=2, keys=1)]


def test_a_rotation_installs_then_uses_then_removes_and_no_key_is_in_the_result(monkeypatch):
    fake = cluster(({OLD}, OLD), ({OLD}, OLD), ({OLD}, OLD), servers=3)
    result = run(monkeypatch, fake, _ansible_diff=True)
    assert fake.changes == [("install", NEW), ("use", NEW), ("remove", OLD)]
    assert result["changed"] is True and result["steps"] == ["install", "use", "remove 1 other key"]
    assert fake.keyring()[0]["Keys"] == {NEW: 3} and fake.keyring()[1]["PrimaryKeys"] == {NEW: 3}
    assert result["diff"]["before"] == dict(keys=[consul_keyring.gossip_key_digest(OLD)], primary=[consul_keyring.gossip_key_digest(OLD)])
    assert result["diff"]["after"] == dict(keys=[consul_keyring.gossip_key_digest(NEW)], primary=[consul_keyring.gossip_key_digest(NEW)])
    assert OLD not in repr(result) and NEW not in repr(result)


def test_check_mode_says_what_it_would_do_and_changes_nothing(monkeypatch):
    fake = cluster(({OLD}, OLD), ({OLD}, OLD))
    result = run(monkeypatch, fake, _ansible_check_mode=True)
    assert result["changed"] is True and result["steps"] == ["install", "use", "remove 1 other key"]
    assert fake.changes == []


def test_a_rotation_left_halfway_is_finished(monkeypatch):
    fake = cluster(({OLD, NEW, OLDER}, OLD), ({OLD, NEW, OLDER}, OLD))
    result = run(monkeypatch, fake)
    assert fake.changes == [("use", NEW), ("remove", OLD), ("remove", OLDER)]
    assert result["steps"] == ["use", "remove 2 other keys"]


def test_a_member_lacking_the_key_gets_it_before_anyone_uses_it(monkeypatch):
    fake = cluster(({OLD, NEW}, OLD), ({OLD}, OLD))
    run(monkeypatch, fake)
    assert fake.changes[0] == ("install", NEW)


def test_an_install_a_member_fails_stops_before_the_key_is_used_and_the_old_key_stays(monkeypatch):
    fake = cluster(({OLD}, OLD), ({OLD}, OLD))
    fake.failing.add("install")
    result = run(monkeypatch, fake)
    assert result["failed"] is True and "1/3 nodes reported failure" in result["msg"]
    assert fake.changes == [("install", NEW)]
    assert all(member["primary"] == OLD and OLD in member["keys"] for member in fake.pools[(False, "bj")])


@pytest.mark.parametrize("key", ["", "not base64!", base64.b64encode(b"short").decode(), "\u0661" * 44])
def test_a_key_that_is_not_a_gossip_key_is_refused_naming_the_option_before_any_request(monkeypatch, key):
    fake = cluster(({OLD}, OLD))
    result = run(monkeypatch, fake, key=key)
    assert result["failed"] is True and result["msg"].startswith("key: must be a base64-encoded")
    assert fake.changes == []


def test_an_agent_without_gossip_encryption_is_named(monkeypatch):
    fake = FakeKeyring({})
    result = run(monkeypatch, fake)
    assert result["failed"] is True and "is gossip encryption on" in result["msg"]


def test_without_primary_keys_reported_a_second_key_is_never_taken_for_the_primary(monkeypatch):
    """Consul before 1.9 may leave PrimaryKeys out: with two keys held, the new one is made primary first."""
    fake = cluster(({OLD, NEW}, OLD), ({OLD, NEW}, OLD))
    answer = fake.keyring
    fake.keyring = lambda: [dict((k, v) for k, v in pool.items() if k != "PrimaryKeys") for pool in answer()]
    run(monkeypatch, fake)
    assert fake.changes[0] == ("use", NEW)


MEMBER = st.tuples(st.sets(st.sampled_from([OLD, NEW, OLDER]), min_size=1), st.sampled_from([OLD, NEW, OLDER]))


@settings(max_examples=150, deadline=None)
@given(members=st.lists(MEMBER, min_size=1, max_size=5))
def test_from_any_keyring_the_steps_reach_the_key_alone_and_every_member_can_always_decrypt(members):
    """Whatever state a cluster is in (each member holding its primary key, as Consul keeps them): from
    the key's use on, every member's primary key is held by all (the fake refuses a use before the key
    is on every member, and a removal of a primary key), and the steps end with the key alone."""
    members = [(keys | {primary}, primary) for keys, primary in members]
    fake = FakeKeyring({(False, "bj"): members})
    for change, key in consul_keyring.steps_needed(fake.keyring(), NEW):
        fake.keyring_change(change, key)
        if change != "install":
            assert fake.every_primary_held_by_all()
    assert consul_keyring.steps_needed(fake.keyring(), NEW) == []
    assert fake.keyring()[0]["Keys"] == {NEW: len(members)}
