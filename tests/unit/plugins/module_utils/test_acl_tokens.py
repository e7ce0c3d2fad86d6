"""ACL tokens: a token that differs from the desired one in any managed field compares different."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.discovery.consul_dns.plugins.module_utils.acl_tokens import comparable, desired_token


def spec(**options):
    base = dict(description="dns-forwarder", policies=["dns-read"], node_identities=[], service_identities=[],
                append_service_identities=False, local=False)
    base.update(options)
    return base


def read_back(**fields):
    """A token as /v1/acl/token returns it: with its IDs, secret and indexes besides the managed fields."""
    token = dict(AccessorID="3f1c0b2e-0000-4000-8000-000000000001", SecretID="s3cret", Description="dns-forwarder",
                 Policies=[{"ID": "p1", "Name": "dns-read"}], Local=False, CreateIndex=12, ModifyIndex=12, Hash="abc")
    token.update(fields)
    return token


def test_a_token_read_back_as_declared_compares_equal():
    assert comparable(read_back()) == comparable(desired_token(spec()))


@pytest.mark.parametrize("current_local,desired_local", [(False, True), (True, False)])
def test_a_token_differing_only_in_local_compares_different(current_local, desired_local):
    assert comparable(read_back(Local=current_local)) != comparable(desired_token(spec(local=desired_local)))
    assert comparable(read_back(Local=desired_local)) == comparable(desired_token(spec(local=desired_local)))


@pytest.mark.parametrize("options", [
    dict(description="other"), dict(policies=["dns-read", "kv-read"]), dict(service_identities=["web"]),
    dict(node_identities=[dict(node_name="n1", datacenter="dc1")]),
])
def test_a_token_differing_in_any_other_managed_field_compares_different(options):
    assert comparable(read_back()) != comparable(desired_token(spec(**options)))


def test_the_comparable_view_never_holds_the_secret():
    assert "s3cret" not in repr(comparable(read_back()))


def test_service_identities_valid_in_some_datacenters_only_compare_by_those_datacenters():
    one_site = spec(service_identities=["web"], service_identity_datacenters=["sh"])
    assert desired_token(one_site)["ServiceIdentities"] == [dict(ServiceName="web", Datacenters=["sh"])]
    assert comparable(read_back(ServiceIdentities=[dict(ServiceName="web", Datacenters=["sh"])])) == \
        comparable(desired_token(one_site))
    # valid everywhere, or elsewhere, is a change
    assert comparable(read_back(ServiceIdentities=[dict(ServiceName="web")])) != comparable(desired_token(one_site))
    assert comparable(read_back(ServiceIdentities=[dict(ServiceName="web", Datacenters=["bj"])])) != \
        comparable(desired_token(one_site))
    assert desired_token(spec(service_identities=["web"]))["ServiceIdentities"] == [dict(ServiceName="web")]
