from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import hashlib
import json

import pytest
from module_run import run_module

from ansible_collections.discovery.consul_dns.plugins.modules import host_state
from ansible_collections.discovery.consul_dns.plugins.modules.host_state import (
    file_digests, link_targets, requirements_met, venv_distributions)


def run(monkeypatch, **args):
    return run_module(monkeypatch, host_state, None, **args)


def make_dist(venv, name, version):
    folder = venv / "lib" / "python3.11" / "site-packages" / ("%s-%s.dist-info" % (name.replace("-", "_"), version))
    folder.mkdir(parents=True)
    (folder / "METADATA").write_text("Metadata-Version: 2.1\nName: %s\nVersion: %s\n\nName: not-a-header\n" % (name, version))


def test_distributions_are_read_from_the_venv_metadata(tmp_path):
    make_dist(tmp_path, "py-consul", "1.6.0")
    make_dist(tmp_path, "Requests", "2.32.3")
    assert venv_distributions(str(tmp_path)) == {"py-consul": "1.6.0", "requests": "2.32.3"}


@pytest.mark.parametrize("requirements, met", [
    (["py-consul>=1.5"], True), (["py-consul>=1.7"], False), (["py_consul"], True), (["requests==2.32.3"], True),
    (["absent-package"], False), ([], True)])
def test_requirements(requirements, met):
    assert requirements_met(requirements, {"py-consul": "1.6.0", "requests": "2.32.3"}) is met


def test_links_among_the_files_read_are_named_with_their_targets(tmp_path):
    (tmp_path / "stub-resolv.conf").write_text("nameserver 127.0.0.53\n")
    (tmp_path / "resolv.conf").symlink_to("stub-resolv.conf")
    paths = [str(tmp_path / "resolv.conf"), str(tmp_path / "stub-resolv.conf"), str(tmp_path / "absent")]
    assert link_targets(paths) == {paths[0]: "stub-resolv.conf"}


def test_digests_are_sha256_of_the_whole_file_and_null_when_absent(tmp_path):
    big = b"k" * 200000 + b"\n"   # more than one read block
    (tmp_path / "gossip.key").write_bytes(big)
    (tmp_path / "empty").write_bytes(b"")
    (tmp_path / "folder").mkdir()
    paths = [str(tmp_path / name) for name in ("gossip.key", "empty", "absent", "folder")]
    assert file_digests(paths) == {
        paths[0]: hashlib.sha256(big).hexdigest(),
        paths[1]: hashlib.sha256(b"").hexdigest(),
        paths[2]: None,
        paths[3]: None,
    }


def test_a_digested_file_s_content_is_nowhere_in_the_result(monkeypatch, tmp_path):
    secret = "agent = \"d5a0b3c1-secret-token\"\n"
    (tmp_path / "acl-tokens.hcl").write_text(secret)
    (tmp_path / "reloadable.hcl").write_text("log_level = \"INFO\"\n")
    tokens, reloadable = str(tmp_path / "acl-tokens.hcl"), str(tmp_path / "reloadable.hcl")
    result = run(monkeypatch, read_files=[reloadable], digest_files=[tokens, str(tmp_path / "absent")])
    assert result["files"] == {reloadable: "log_level = \"INFO\"\n"}
    assert result["digests"] == {tokens: hashlib.sha256(secret.encode()).hexdigest(), str(tmp_path / "absent"): None}
    assert "secret-token" not in json.dumps(result)
