"""The consul role's snapshot script and consul_snapshot_restore against real Consul 1.8.7 agents: a
cluster's state saved by the script as its timer runs it, restored into a new cluster never
bootstrapped, read back the same; the restore only into a cluster that holds nothing."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import stat
import subprocess
import sys
import time

import pytest
import requests

from harness import CONSUL_BIN, REPO, cluster_state_digests, run_module
from test_acl_bootstrap_module import NewCluster

SCRIPT = os.path.join(REPO, "roles", "consul", "files", "consul-snapshot.py")


def bootstrap(agent):
    return requests.put(agent.url + "/v1/acl/bootstrap", timeout=10).json()["SecretID"]


def api(agent, token, method, path, **kwargs):
    response = requests.request(method, agent.url + path, headers={"X-Consul-Token": token}, timeout=10, **kwargs)
    if response.status_code == 404:
        return None
    response.raise_for_status()
    return response.json() if response.content else None


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Cluster A with something of every kind a snapshot holds, and the snapshots the script took of it."""
    agent = NewCluster("it-snap-a", extra_hcl='acl { enabled = true\n default_policy = "deny" }').start()
    try:
        token = bootstrap(agent)
        api(agent, token, "PUT", "/v1/kv/app/config", data=b"colour = blue\n")
        api(agent, token, "PUT", "/v1/catalog/register", json=dict(
            Node="db-external", Address="192.0.2.10", Service=dict(Service="db", Port=5432, Tags=["primary"])))
        api(agent, token, "PUT", "/v1/acl/policy", json=dict(Name="db-read", Rules='service "db" { policy = "read" }'))
        api(agent, token, "PUT", "/v1/acl/token", json=dict(Description="db reader", Policies=[dict(Name="db-read")]))
        api(agent, token, "POST", "/v1/query", json=dict(Name="db", Service=dict(Service="db", OnlyPassing=True)))
        folder = tmp_path_factory.mktemp("snapshots")
        token_file = folder / "snapshot.token"
        token_file.write_text(token + "\n")
        env = dict(os.environ, CONSUL_HTTP_ADDR=agent.url, CONSUL_HTTP_TOKEN_FILE=str(token_file))
        runs = []
        for run in range(3):
            if run:
                time.sleep(1.05)   # a name per second
            runs.append(subprocess.run([sys.executable, SCRIPT, "--consul", CONSUL_BIN, "--dir", str(folder / "kept"),
                                        "--retain", "2"], capture_output=True, text=True, env=env, check=False))
        digests = cluster_state_digests(lambda path: api(agent, token, "GET", path))
        yield dict(token=token, folder=folder / "kept", runs=runs, digests=digests)
    finally:
        agent.stop()


def test_the_script_keeps_the_newest_snapshots_root_only(saved):
    assert [run.returncode for run in saved["runs"]] == [0, 0, 0], [run.stderr for run in saved["runs"]]
    kept = sorted(os.listdir(saved["folder"]))
    assert len(kept) == 2 and all(name.startswith("consul-") and name.endswith("Z.snap") for name in kept), kept
    assert saved["runs"][-1].stdout.strip().endswith(kept[-1])   # the newest is the last run's
    assert stat.S_IMODE(os.stat(saved["folder"]).st_mode) == 0o700
    assert [stat.S_IMODE(os.stat(saved["folder"] / name).st_mode) for name in kept] == [0o600, 0o600]


def test_a_failed_save_leaves_no_file_and_fails(saved, tmp_path):
    env = dict(os.environ, CONSUL_HTTP_ADDR="http://127.0.0.1:1", CONSUL_HTTP_TOKEN_FILE="/nonexistent")
    proc = subprocess.run([sys.executable, SCRIPT, "--consul", CONSUL_BIN, "--dir", str(tmp_path / "kept"),
                           "--retain", "2", "--attempts", "1"], capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 1 and "no snapshot saved" in proc.stderr
    assert [name for name in os.listdir(tmp_path / "kept") if not name.startswith(".consul-")] == []


def test_a_snapshot_is_restored_into_a_new_cluster_once_and_reads_back_the_same(saved, tmp_path):
    snapshot = str(saved["folder"] / sorted(os.listdir(saved["folder"]))[-1])
    agent = NewCluster("it-snap-b", extra_hcl='acl { enabled = true\n default_policy = "deny" }').start()
    try:
        temporary = bootstrap(agent)
        connection = dict(agent.connection(), token=temporary)

        damaged = tmp_path / "damaged.snap"
        damaged.write_bytes(b"not a snapshot")
        result = run_module("consul_snapshot_restore", dict(connection, src=str(damaged)))
        assert result.get("failed") and result["msg"].startswith("src: ") and "not a Consul snapshot" in result["msg"]

        result = run_module("consul_snapshot_restore", dict(connection, src=snapshot), check=True, diff=True)
        assert result["changed"] is True and result["restored"] is False and result["cluster_empty"] is True
        assert result["diff"] == dict(before=dict(snapshot="none"), after=dict(snapshot=result["sha256"]))
        assert api(agent, temporary, "GET", "/v1/kv/app/config") is None

        result = run_module("consul_snapshot_restore", dict(connection, src=snapshot))
        assert result["changed"] is True and result["restored"] is True, result

        # the snapshot's state, its management token working and the bootstrap's gone
        digests = cluster_state_digests(lambda path: api(agent, saved["token"], "GET", path))
        same = dict((part, digests[part] == saved["digests"][part]) for part in digests if part != "catalog")
        assert all(same.values()), same
        assert [entry["Node"] for entry in api(agent, saved["token"], "GET", "/v1/catalog/service/db")] == ["db-external"]
        assert requests.get(agent.url + "/v1/acl/token/self", headers={"X-Consul-Token": temporary}, timeout=10).status_code == 403

        # a cluster that holds something is left alone
        result = run_module("consul_snapshot_restore", dict(agent.connection(), token=saved["token"], src=snapshot))
        assert result["changed"] is False and result["restored"] is False and result["cluster_empty"] is False

        # a token that may take snapshots but reads nothing else (the servers' snapshot token) still sees the
        # cluster's tokens: not empty; one that may not list them fails rather than find an empty cluster
        api(agent, saved["token"], "PUT", "/v1/acl/policy", json=dict(Name="it-snap", Rules='acl = "write"'))
        api(agent, saved["token"], "PUT", "/v1/acl/policy", json=dict(Name="it-read", Rules='service_prefix "" { policy = "read" }'))
        for policy, outcome in (("it-snap", "left alone"), ("it-read", "failed")):
            secret = api(agent, saved["token"], "PUT", "/v1/acl/token", json=dict(Policies=[dict(Name=policy)]))["SecretID"]
            result = run_module("consul_snapshot_restore", dict(agent.connection(), token=secret, src=snapshot))
            if outcome == "failed":
                assert result.get("failed") and "403" in result["msg"], result
            else:
                assert result["changed"] is False and result["cluster_empty"] is False, result
    finally:
        agent.stop()
