"""config_files on a real temporary folder (as the user running the tests: owner and group left out)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import stat

import pytest

from ansible_collections.discovery.consul_dns.plugins.modules import config_files
from module_run import run_module


def run(monkeypatch, files, check_mode=False):
    return run_module(monkeypatch, config_files, None, files=files, _ansible_check_mode=check_mode, _ansible_diff=True)


def mode_of(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_writes_then_reports_nothing_to_do(monkeypatch, tmp_path):
    files = [{"path": str(tmp_path / "d"), "state": "directory", "mode": "0750"},
             {"path": str(tmp_path / "d" / "a.conf"), "content": "a=1\n", "mode": "0644"},
             {"path": str(tmp_path / "d" / "key"), "secret_content": "s3cret\n", "mode": "0600"}]
    first = run(monkeypatch, files)
    assert first["changed"] and first["changed_paths"] == [f["path"] for f in files]
    assert (tmp_path / "d" / "a.conf").read_text() == "a=1\n" and mode_of(str(tmp_path / "d" / "key")) == 0o600
    assert mode_of(str(tmp_path / "d")) == 0o750
    assert "s3cret" not in json.dumps(first["diff"])   # a secret never reaches a diff
    again = run(monkeypatch, files)
    assert not again["changed"] and again["changed_paths"] == [] and again["diff"] == []


def test_check_mode_changes_nothing_and_says_what_would(monkeypatch, tmp_path):
    target = tmp_path / "a.conf"
    target.write_text("old\n")
    result = run(monkeypatch, [{"path": str(target), "content": "new\n", "mode": "0644"}], check_mode=True)
    assert result["changed"] and result["changed_paths"] == [str(target)]
    assert result["diff"][0]["before"] == "old\n" and result["diff"][0]["after"] == "new\n"
    assert target.read_text() == "old\n"


def test_a_mode_change_alone_is_a_change(monkeypatch, tmp_path):
    target = tmp_path / "a.conf"
    target.write_text("a\n")
    os.chmod(str(target), 0o666)
    result = run(monkeypatch, [{"path": str(target), "content": "a\n", "mode": "0640"}])
    assert result["changed_paths"] == [str(target)] and mode_of(str(target)) == 0o640


def test_one_refused_validation_writes_nothing_and_quotes_the_line(monkeypatch, tmp_path):
    good, bad = tmp_path / "good.conf", tmp_path / "bad.conf"
    validator = tmp_path / "check.sh"
    validator.write_text('#!/bin/sh\nif grep -q no-such-option "$1"; then echo "bad option at line 2 of $1" >&2; exit 1; fi\n')
    os.chmod(str(validator), 0o755)
    result = run(monkeypatch, [
        {"path": str(good), "content": "port=53\n", "mode": "0644", "validate": "%s %%s" % validator},
        {"path": str(bad), "content": "port=53\nno-such-option\n", "mode": "0644", "validate": "%s %%s" % validator}])
    assert result["failed"] and str(bad) in result["msg"] and "line 2: 'no-such-option'" in result["msg"]
    assert not good.exists() and not bad.exists()


def test_a_link_is_replaced_by_the_file_and_absent_removes(monkeypatch, tmp_path):
    (tmp_path / "elsewhere").write_text("nameserver 10.0.0.1\n")
    link = tmp_path / "resolv.conf"
    link.symlink_to(tmp_path / "elsewhere")
    gone = tmp_path / "gone"
    gone.write_text("x")
    result = run(monkeypatch, [{"path": str(link), "content": "nameserver 127.0.0.1\n", "mode": "0644"},
                               {"path": str(gone), "state": "absent"}])
    assert result["changed_paths"] == [str(link), str(gone)]
    assert not link.is_symlink() and link.read_text() == "nameserver 127.0.0.1\n"
    assert (tmp_path / "elsewhere").read_text() == "nameserver 10.0.0.1\n" and not gone.exists()


@pytest.mark.parametrize("entry, message", [
    ({"path": "relative", "content": "", "mode": "0644"}, "must be absolute"),
    ({"path": "/no/such/file", "mode": "0644"}, "given no content, so it must be a file already; it is absent"),
    ({"path": "/x", "content": "a", "secret_content": "b", "mode": "0644"}, "one of content and secret_content, not both"),
    ({"path": "/x", "content": "a"}, "needs a mode"),
    ({"path": "/x", "content": "a", "mode": "rw-r--r--"}, "octal"),
    ({"path": "/x", "content": "a", "mode": "0644", "owner": "no-such-user-here"}, "does not exist"),
])
def test_bad_entries_are_refused_naming_the_path(monkeypatch, entry, message):
    result = run(monkeypatch, [entry])
    assert result["failed"] and message in result["msg"]


def test_a_file_given_no_content_keeps_it_and_gets_its_mode(monkeypatch, tmp_path):
    key = tmp_path / "gossip.key"
    key.write_text("k3y\n")
    key.chmod(0o644)
    result = run(monkeypatch, [{"path": str(key), "mode": "0600"}])
    assert result["changed_paths"] == [str(key)] and mode_of(str(key)) == 0o600
    assert key.read_text() == "k3y\n"
    assert "k3y" not in json.dumps(result)   # nothing of the content in the diff
    assert run(monkeypatch, [{"path": str(key), "mode": "0600"}])["changed_paths"] == []


def test_a_folder_given_no_content_is_refused(monkeypatch, tmp_path):
    result = run(monkeypatch, [{"path": str(tmp_path), "mode": "0600"}])
    assert result["failed"] and "must be a file already; it is a directory" in result["msg"]
