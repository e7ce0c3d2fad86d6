"""consul_keyring against a real Consul 1.8.7 agent with gossip encryption, under ACLs: a rotation
read back from the agent's keyring, unchanged when run again, check mode, the token it needs."""

import subprocess

import pytest

from conftest import _agent
from harness import CONSUL_BIN, run_module


def keygen():
    return subprocess.run([CONSUL_BIN, "keygen"], capture_output=True, text=True, check=True).stdout.strip()


FIRST_KEY = keygen()


@pytest.fixture(scope="module")
def encrypted_agent():
    yield from _agent("it-keyring", acl=True, extra_hcl='encrypt = "%s"' % FIRST_KEY)


def keyring(agent):
    """Each pool's keys and primary keys, as the agent reports them (not through the module)."""
    return sorted((pool["WAN"], pool["Keys"], pool["PrimaryKeys"]) for pool in agent.api("GET", "/v1/operator/keyring"))


def test_a_new_key_becomes_the_only_one_then_nothing_changes(encrypted_agent):
    new = keygen()
    conn = encrypted_agent.connection()
    assert keyring(encrypted_agent) == [(False, {FIRST_KEY: 1}, {FIRST_KEY: 1}), (True, {FIRST_KEY: 1}, {FIRST_KEY: 1})]

    planned = run_module("consul_keyring", dict(conn, key=new), check=True, diff=True)
    assert planned["changed"] is True and planned["steps"] == ["install", "use", "remove 1 other key"]
    assert keyring(encrypted_agent)[0][1] == {FIRST_KEY: 1}, "check mode changed the keyring"

    rotated = run_module("consul_keyring", dict(conn, key=new), diff=True)
    assert rotated["changed"] is True, rotated
    assert keyring(encrypted_agent) == [(False, {new: 1}, {new: 1}), (True, {new: 1}, {new: 1})]
    assert new not in str(rotated) and FIRST_KEY not in str(rotated)
    assert rotated["diff"]["before"]["primary"] != rotated["diff"]["after"]["primary"]

    again = run_module("consul_keyring", dict(conn, key=new))
    assert again["changed"] is False and again["steps"] == [], again


def test_without_a_token_that_may_write_the_keyring_nothing_changes(encrypted_agent):
    before = keyring(encrypted_agent)
    conn = dict(encrypted_agent.connection(), token="")
    result = run_module("consul_keyring", dict(conn, key=keygen()))
    # Consul 1.8.7 answers 500 here, naming the ACLs
    assert result.get("failed") is True and "keyring denied by ACLs" in result["msg"], result
    assert keyring(encrypted_agent) == before
