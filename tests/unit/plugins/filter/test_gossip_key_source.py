from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import hashlib

import pytest

from ansible_collections.discovery.consul_dns.plugins.filter.gossip_key_source import FilterModule, gossip_key_source

KEY, HCL = "/etc/consul.d/gossip.key", "/etc/consul.d/encrypt.hcl"
A, B = hashlib.sha256(b"key-a\n").hexdigest(), hashlib.sha256(b"key-b\n").hexdigest()
H = hashlib.sha256(b'encrypt = "key-a"\n').hexdigest()
EMPTY = hashlib.sha256(b"").hexdigest()


def hostvars(**digests):
    return dict((host, dict(_consul_host=dict(digests={KEY: key, HCL: hcl}))) for host, (key, hcl) in digests.items())


@pytest.mark.parametrize("members,expected", [
    (dict(n1=(A, H), n2=(A, H)), dict(settled=True, holder="n1", stale_keyrings=[])),           # all agree: the key stays on the hosts
    (dict(n1=(A, H), n2=(None, None)), dict(settled=False, holder="n1", stale_keyrings=[])),    # a new member: read from n1
    (dict(n1=(None, None), n2=(A, H)), dict(settled=False, holder="n2", stale_keyrings=[])),    # the first member that holds one
    (dict(n1=(EMPTY, H), n2=(EMPTY, H)), dict(settled=False, holder="", stale_keyrings=[])),    # empty files hold no key
    (dict(n1=(A, H), n2=(B, H)), dict(settled=False, holder="n1", stale_keyrings=[])),          # members disagree
    (dict(n1=(A, H), n2=(A, None)), dict(settled=False, holder="n1", stale_keyrings=[])),       # a configuration file missing
    (dict(n1=(None, None)), dict(settled=False, holder="", stale_keyrings=[])),                 # nobody has a key: generate one
])
def test_settled_only_when_every_member_agrees_and_the_holder_is_the_first_with_a_key(members, expected):
    assert gossip_key_source(list(members), hostvars(**members), KEY, HCL) == expected


def test_a_member_whose_state_was_not_read_holds_nothing():
    assert gossip_key_source(["n1", "n2"], dict(n1={}, n2=hostvars(n2=(A, H))["n2"]), KEY, HCL) == dict(settled=False, holder="n2", stale_keyrings=[])
    assert gossip_key_source([], {}, KEY, HCL) == dict(settled=False, holder="", stale_keyrings=[])


NEWLINE = hashlib.sha256(b"\n").hexdigest()


@pytest.mark.parametrize("state", [
    {},                                          # host_state did not run on it
    dict(_consul_host=None), dict(_consul_host={}), dict(_consul_host=dict(digests=None)), dict(_consul_host=dict(digests={})),
    dict(_consul_host=dict(digests={KEY: None, HCL: H})),
    dict(_consul_host=dict(digests={KEY: NEWLINE, HCL: H})),     # a line break alone is no key
    dict(_consul_host=dict(digests={KEY: EMPTY, HCL: H})),
    dict(_consul_host=dict(digests={KEY: 5, HCL: H})),           # not a digest at all
])
def test_a_member_without_a_key_of_its_own_never_holds_it(state):
    variables = dict(n1=state, n2=hostvars(n2=(A, H))["n2"])
    assert gossip_key_source(["n1", "n2"], variables, KEY, HCL) == dict(settled=False, holder="n2", stale_keyrings=[])
    assert gossip_key_source(["n1"], variables, KEY, HCL) == dict(settled=False, holder="", stale_keyrings=[])


def test_a_host_missing_from_hostvars_holds_nothing():
    assert gossip_key_source(["gone", "n2"], hostvars(n2=(A, H)), KEY, HCL) == dict(settled=False, holder="n2", stale_keyrings=[])


def test_not_settled_while_no_member_has_the_configuration_file():
    assert gossip_key_source(["n1", "n2"], hostvars(n1=(A, None), n2=(A, None)), KEY, HCL) == dict(settled=False, holder="n1", stale_keyrings=[])
    assert gossip_key_source(["n1"], hostvars(n1=(A, H)), KEY, HCL) == dict(settled=True, holder="n1", stale_keyrings=[])


def test_the_digests_are_read_at_the_paths_given():
    members = dict(n1=(A, H), n2=(A, H))
    assert gossip_key_source(["n1", "n2"], hostvars(**members), HCL, KEY) == dict(settled=True, holder="n1", stale_keyrings=[])
    assert gossip_key_source(["n1", "n2"], hostvars(**members), "/other.key", HCL) == dict(settled=False, holder="", stale_keyrings=[])


LOCAL, REMOTE = "/var/lib/consul/serf/local.keyring", "/var/lib/consul/serf/remote.keyring"


def with_keyrings(variables, **keyrings):
    for host, (local, remote) in keyrings.items():
        variables[host]["_consul_host"]["keyrings"] = {LOCAL: local, REMOTE: remote}
    return variables


@pytest.mark.parametrize("keyrings,stale", [
    (dict(n1=(A, A), n2=(A, None)), []),          # each keyring holds its key file's key alone (a client has no WAN keyring)
    (dict(n1=(None, None), n2=(None, None)), []),  # agents not started yet: encrypt will be read
    (dict(n1=(A, A), n2=(B, None)), ["n2"]),       # files changed, the agent still on its old key
    (dict(n1=(A, B), n2=(A, None)), ["n1"]),       # the WAN keyring alone differs
    (dict(n1=("", A), n2=(A, None)), ["n1"]),      # a keyring host_state could not read as keys
])
def test_settled_needs_every_agents_keyring_to_hold_its_key_files_key_alone(keyrings, stale):
    variables = with_keyrings(hostvars(n1=(A, H), n2=(A, H)), **keyrings)
    result = gossip_key_source(["n1", "n2"], variables, KEY, HCL, [LOCAL, REMOTE])
    assert result == dict(settled=not stale, holder="n1", stale_keyrings=stale)
    # without keyring paths, as before: the files alone
    assert gossip_key_source(["n1", "n2"], variables, KEY, HCL)["settled"] is True


def test_a_running_agent_without_a_keyring_file_holds_an_unknown_key():
    variables = with_keyrings(hostvars(n1=(A, H), n2=(A, H), n3=(A, H)), n1=(A, A), n2=(None, None), n3=(None, None))
    variables["n2"]["_consul_host"]["systemd_units"] = {"consul": {"active": "active"}}
    variables["n3"]["_consul_host"]["systemd_units"] = {"consul": {"active": "inactive"}}
    result = gossip_key_source(["n1", "n2", "n3"], variables, KEY, HCL, [LOCAL, REMOTE])
    assert result == dict(settled=False, holder="n1", stale_keyrings=["n2"])


def test_with_the_key_known_the_keyrings_are_compared_with_it():
    new = "pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s="
    new_digest = hashlib.sha256((new + "\n").encode()).hexdigest()
    variables = with_keyrings(hostvars(n1=(A, H), n2=(A, H), n3=(None, None)), n1=(A, A), n2=(new_digest, None), n3=(None, None))
    result = gossip_key_source(["n1", "n2", "n3"], variables, KEY, HCL, [LOCAL, REMOTE], key=new)
    assert result["stale_keyrings"] == ["n1"]
    assert gossip_key_source(["n1", "n2", "n3"], variables, KEY, HCL, [LOCAL, REMOTE], key=new + "\n")["stale_keyrings"] == ["n1"]


def test_the_filter_is_registered_under_its_name():
    assert FilterModule().filters() == {"gossip_key_source": gossip_key_source}
