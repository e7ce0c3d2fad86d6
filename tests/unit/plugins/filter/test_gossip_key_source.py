from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import hashlib

import pytest

from ansible_collections.discovery.consul_dns.plugins.filter.gossip_key_source import gossip_key_source

KEY, HCL = "/etc/consul.d/gossip.key", "/etc/consul.d/encrypt.hcl"
A, B = hashlib.sha256(b"key-a\n").hexdigest(), hashlib.sha256(b"key-b\n").hexdigest()
H = hashlib.sha256(b'encrypt = "key-a"\n').hexdigest()
EMPTY = hashlib.sha256(b"").hexdigest()


def hostvars(**digests):
    return dict((host, dict(_consul_host=dict(digests={KEY: key, HCL: hcl}))) for host, (key, hcl) in digests.items())


@pytest.mark.parametrize("members,expected", [
    (dict(n1=(A, H), n2=(A, H)), dict(settled=True, holder="n1")),           # all agree: the key stays on the hosts
    (dict(n1=(A, H), n2=(None, None)), dict(settled=False, holder="n1")),    # a new member: read from n1
    (dict(n1=(None, None), n2=(A, H)), dict(settled=False, holder="n2")),    # the first member that holds one
    (dict(n1=(EMPTY, H), n2=(EMPTY, H)), dict(settled=False, holder="")),    # empty files hold no key
    (dict(n1=(A, H), n2=(B, H)), dict(settled=False, holder="n1")),          # members disagree
    (dict(n1=(A, H), n2=(A, None)), dict(settled=False, holder="n1")),       # a configuration file missing
    (dict(n1=(None, None)), dict(settled=False, holder="")),                 # nobody has a key: generate one
])
def test_settled_only_when_every_member_agrees_and_the_holder_is_the_first_with_a_key(members, expected):
    assert gossip_key_source(list(members), hostvars(**members), KEY, HCL) == expected


def test_a_member_whose_state_was_not_read_holds_nothing():
    assert gossip_key_source(["n1", "n2"], dict(n1={}, n2=hostvars(n2=(A, H))["n2"]), KEY, HCL) == dict(settled=False, holder="n2")
    assert gossip_key_source([], {}, KEY, HCL) == dict(settled=False, holder="")
