"""The consul role's `validate` entry point refusing what would expose the servers' API: the
controller's way in (consul_controller_access) only with TLS, client certificates on HTTPS and ACLs.
One ansible-playbook run on the local connection, a host per combination."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from role_play import CONSUL_ROLE_VARIABLES, failures, run_play

pytestmark = pytest.mark.slow   # one ansible-playbook run

PROTECTED = dict(consul_tls_enabled=True, consul_tls_verify_incoming_https=True, consul_acl_enabled=True)
HOSTS = {
    "all_on": PROTECTED,
    "tls_off": dict(PROTECTED, consul_tls_enabled=False),
    "https_without_client_certificates": dict(PROTECTED, consul_tls_verify_incoming_https=False),
    "acl_off": dict(PROTECTED, consul_acl_enabled=False),
}


@pytest.fixture(scope="module")
def refusals(tmp_path_factory):
    """{host: the failure line of its run, or None when it passed}."""
    workdir = tmp_path_factory.mktemp("validate")
    hosts = dict((name, dict(settings, consul_controller_access=True, consul_node_name=name.replace("_", "-"),
                             consul_bind_address="127.0.0.%d" % (10 + index)))
                 for index, (name, settings) in enumerate(HOSTS.items()))
    proc = run_play(workdir, CONSUL_ROLE_VARIABLES, hosts,
                    children=dict(consul_servers=dict(hosts=dict((name, {}) for name in hosts))),
                    args=["-e", "consul_bootstrap_expect=1"])
    return failures(proc, hosts)


def test_the_controllers_way_in_is_taken_with_tls_client_certificates_and_acls(refusals):
    assert refusals["all_on"] is None


@pytest.mark.parametrize("host", ["tls_off", "https_without_client_certificates", "acl_off"])
def test_the_controllers_way_in_is_refused_without_each_protection_naming_them(refusals, host):
    assert refusals[host] is not None, host
    assert "consul_controller_access puts the HTTPS API on the servers' addresses: it needs consul_tls_enabled" in refusals[host]
    settings = HOSTS[host]
    assert "(got %s, %s, %s)" % (settings["consul_tls_enabled"], settings["consul_tls_verify_incoming_https"],
                                 settings["consul_acl_enabled"]) in refusals[host]
