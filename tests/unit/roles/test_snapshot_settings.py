"""The consul role's checks of its snapshot settings: a snapshot token (acl = "write") on a server only,
an interval that is a calendar event and nothing more, a retention of one or more, a plain folder path.
One ansible-playbook run on the local connection, a host per case."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from role_play import CONSUL_ROLE_VARIABLES, failures, run_play

pytestmark = pytest.mark.slow   # one ansible-playbook run

SERVERS = {
    "defaults": {},
    "nightly": dict(consul_snapshot_interval="*-*-* 03:00:00", consul_snapshot_retain=7),
    "interval-adds-a-line": dict(consul_snapshot_interval="hourly\nExecStartPre=/bin/sh -c id"),
    "interval-specifier": dict(consul_snapshot_interval="%h"),
    "retain-none": dict(consul_snapshot_retain=0),
    "folder-with-space": dict(consul_snapshot_dir="/var/lib/consul snapshots"),
    "folder-in-the-data": dict(consul_snapshot_dir="/var/lib/consul/snapshots"),
}
CLIENTS = {
    "client-default": {},
    "client-with-snapshots": dict(consul_snapshot_enabled=True),
}


@pytest.fixture(scope="module")
def refusals(tmp_path_factory):
    """{host: the failure line of its run, or None when it passed}."""
    workdir = tmp_path_factory.mktemp("snapshot-settings")
    everyone = dict(SERVERS, **CLIENTS)
    hosts = dict((name, dict(settings, consul_bind_address="127.0.0.%d" % (10 + index)))
                 for index, (name, settings) in enumerate(everyone.items()))
    proc = run_play(workdir, CONSUL_ROLE_VARIABLES, hosts,
                    children=dict(consul_servers=dict(hosts=dict((name, {}) for name in SERVERS))),
                    args=["-e", "consul_bootstrap_expect=1"])
    return failures(proc, hosts)


@pytest.mark.parametrize("host", ["defaults", "nightly", "client-default"])
def test_the_defaults_and_a_calendar_event_pass(refusals, host):
    assert refusals[host] is None


@pytest.mark.parametrize("host,named", [
    ("interval-adds-a-line", "consul_snapshot_interval must be a systemd calendar event"),
    ("interval-specifier", "consul_snapshot_interval must be a systemd calendar event"),
    ("retain-none", "consul_snapshot_retain must be 1 or more, got 0"),
    ("folder-with-space", "consul_snapshot_dir must be an absolute path"),
    ("folder-in-the-data", "consul_snapshot_dir must be outside consul_data_dir and consul_config_dir"),
    ("client-with-snapshots", "consul_snapshot_enabled is for servers only"),
])
def test_each_bad_setting_is_refused_naming_it(refusals, host, named):
    assert refusals[host] is not None and named in refusals[host], refusals[host]
