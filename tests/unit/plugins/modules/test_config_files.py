"""config_files on a real temporary folder (as the user running the tests: owner and group left out)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import grp
import json
import os
import pwd
import stat
import subprocess

import pytest
from ansible.module_utils import basic

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


NOBODY, NOGROUP = pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="changing owners needs root")


def owners(path):
    found = os.lstat(str(path))
    return found.st_uid, found.st_gid


def header(path):
    found = os.lstat(str(path))
    return "%s (mode %04o, uid %d, gid %d)" % (path, stat.S_IMODE(found.st_mode), found.st_uid, found.st_gid)


def test_the_diff_names_each_file_with_its_mode_and_owners_before_and_after(monkeypatch, tmp_path):
    old, new = tmp_path / "old.conf", tmp_path / "new.conf"
    old.write_text("a=1\n")
    os.chmod(str(old), 0o644)
    before = header(old)
    result = run(monkeypatch, [{"path": str(old), "content": "a=2\n", "mode": "0640"},
                               {"path": str(new), "content": "b=1\n", "mode": "0600"}])
    assert result["diff"] == [
        {"before_header": before, "after_header": "%s (mode 0640, uid unchanged, gid unchanged)" % old,
         "before": "a=1\n", "after": "a=2\n"},
        {"before_header": "%s (absent)" % new, "after_header": "%s (mode 0600, uid unchanged, gid unchanged)" % new,
         "before": "", "after": "b=1\n"},
    ]


def test_a_mode_change_shows_no_content(monkeypatch, tmp_path):
    target = tmp_path / "a.conf"
    target.write_text("a\n")
    os.chmod(str(target), 0o644)
    result = run(monkeypatch, [{"path": str(target), "content": "a\n", "mode": "0600"}])
    assert [(d["before"], d["after"]) for d in result["diff"]] == [("", "")]


def test_a_secret_is_shown_by_its_size_only_and_never_logged(monkeypatch, tmp_path):
    key = tmp_path / "gossip.key"
    key.write_text("old-5ecret\n")
    logged = []
    monkeypatch.setattr(basic, "has_journal", False)
    monkeypatch.setattr(basic.syslog, "openlog", lambda *a, **k: None)
    monkeypatch.setattr(basic.syslog, "syslog", lambda *a: logged.append(repr(a)))
    result = run(monkeypatch, [{"path": str(key), "secret_content": "new-5ecret-key\n", "mode": "0600"}])
    assert result["diff"][0]["before"] == "(secret content, 11 bytes)\n"
    assert result["diff"][0]["after"] == "(secret content, 15 bytes)\n"
    assert key.read_text() == "new-5ecret-key\n"
    assert "Invoked with" in "".join(logged) and str(key) in "".join(logged)
    assert "5ecret" not in "".join(logged) and "5ecret" not in json.dumps(result)
    # masked whole, the escaped newline too
    assert "'secret_content': '********'" in "".join(logged)


def test_removing_a_file_never_shows_its_content(monkeypatch, tmp_path):
    """The consul role removes the gossip key's files when encryption is turned off: the module
    cannot know a removed file held a secret."""
    key = tmp_path / "gossip.key"
    key.write_text("old-gossip-5ecret\n")
    before = header(key)
    result = run(monkeypatch, [{"path": str(key), "state": "absent"}])
    assert result["changed_paths"] == [str(key)] and not key.exists()
    assert result["diff"] == [{"before_header": before, "after_header": "%s (absent)" % key,
                               "before": "(content not shown, 18 bytes)\n", "after": ""}]
    assert "5ecret" not in json.dumps(result)


def test_removing_a_link_removes_the_link_only_and_nothing_there_is_no_change(monkeypatch, tmp_path):
    (tmp_path / "target").write_text("x\n")
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "target")
    result = run(monkeypatch, [{"path": str(link), "state": "absent"}, {"path": str(tmp_path / "none"), "state": "absent"}])
    assert result["changed_paths"] == [str(link)] and not os.path.lexists(str(link))
    assert (tmp_path / "target").read_text() == "x\n"
    assert result["diff"][0]["before"] == "" and result["diff"][0]["after_header"] == "%s (absent)" % link
    assert run(monkeypatch, [{"path": str(link), "state": "absent"}]) == {"changed": False, "changed_paths": [], "diff": []}


def test_a_folder_is_not_removed(monkeypatch, tmp_path):
    folder = tmp_path / "consul.d"
    folder.mkdir()
    result = run(monkeypatch, [{"path": str(folder), "state": "absent"}])
    assert result["failed"] and result["msg"] == "%s is a directory; only a file or a link is removed" % folder
    assert folder.is_dir()


@pytest.mark.parametrize("there, wanted, kind", [("directory", "file", "directory"), ("file", "directory", "file"),
                                                 ("link", "directory", "link"), ("fifo", "file", "other")])
def test_what_is_there_of_another_kind_is_refused_and_left(monkeypatch, tmp_path, there, wanted, kind):
    path = tmp_path / "thing"
    if there == "directory":
        path.mkdir()
    elif there == "file":
        path.write_text("x\n")
    elif there == "link":
        path.symlink_to(tmp_path)
    else:
        os.mkfifo(str(path))
    entry = {"path": str(path), "state": wanted, "mode": "0644"}
    if wanted == "file":
        entry["content"] = "a\n"
    result = run(monkeypatch, [entry])
    assert result["failed"] and result["msg"] == "%s is a %s, not a %s; remove it first" % (path, kind, wanted)
    assert os.path.lexists(str(path))


def test_a_folder_is_made_with_its_mode_whatever_the_umask(monkeypatch, tmp_path):
    old = os.umask(0o077)
    try:
        result = run(monkeypatch, [{"path": str(tmp_path / "shared"), "state": "directory", "mode": "0755"}])
    finally:
        os.umask(old)
    assert result["changed_paths"] == [str(tmp_path / "shared")] and mode_of(str(tmp_path / "shared")) == 0o755
    assert result["diff"][0]["before_header"] == "%s (absent)" % (tmp_path / "shared")


@pytest.mark.parametrize("entry, message", [
    ({"path": "relative", "content": "", "mode": "0644"}, "files: path must be absolute, got relative"),
    ({"path": "/x", "content": "a", "secret_content": "b", "mode": "0644"},
     "files: /x takes one of content and secret_content, not both"),
    ({"path": "/x", "content": "a"}, "files: /x needs a mode"),
    ({"path": "/x", "state": "directory", "content": "a", "mode": "0755"},
     "files: /x is directory; content and secret_content are for files"),
    ({"path": "/x", "state": "absent", "secret_content": "a"},
     "files: /x is absent; content and secret_content are for files"),
    ({"path": "/x", "content": "a", "mode": "rw-r--r--"},
     "files: mode of /x must be an octal string such as \"0640\", got rw-r--r--"),
    ({"path": "/x", "content": "a", "mode": "0644", "owner": "no-such-user-here"},
     "files: owner or group of /x does not exist on this host: \"getpwnam(): name not found: 'no-such-user-here'\""),
    ({"path": "/x", "content": "a", "mode": "0644", "group": "no-such-group-here"},
     "files: owner or group of /x does not exist on this host: \"getgrnam(): name not found: 'no-such-group-here'\""),
])
def test_bad_entries_are_refused_with_a_message_naming_the_path(monkeypatch, entry, message):
    result = run(monkeypatch, [entry])
    assert result["failed"] and result["msg"] == message


def test_a_state_that_is_none_of_the_three_is_refused(monkeypatch, tmp_path):
    result = run(monkeypatch, [{"path": str(tmp_path / "x"), "state": "link", "mode": "0644"}])
    assert result["failed"] and "state" in result["msg"] and "link" in result["msg"]
    assert not os.path.lexists(str(tmp_path / "x"))


def test_a_path_under_home_is_expanded(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    result = run(monkeypatch, [{"path": "~/a.conf", "content": "a\n", "mode": "0644"}])
    assert result["changed_paths"] == [str(tmp_path / "a.conf")] and (tmp_path / "a.conf").read_text() == "a\n"


@as_root
def test_owner_and_group_are_given_and_compared(monkeypatch, tmp_path):
    target = tmp_path / "token.hcl"
    entry = {"path": str(target), "secret_content": "t\n", "mode": "0640", "owner": "nobody", "group": "nogroup"}
    result = run(monkeypatch, [entry])
    assert owners(target) == (NOBODY, NOGROUP)
    assert result["diff"][0]["after_header"] == "%s (mode 0640, uid %d, gid %d)" % (target, NOBODY, NOGROUP)
    assert run(monkeypatch, [entry])["changed_paths"] == []
    # another group alone is a change, and only the group changes
    result = run(monkeypatch, [dict(entry, group="root")])
    assert result["changed_paths"] == [str(target)] and owners(target) == (NOBODY, 0)
    assert result["diff"][0]["after_header"] == "%s (mode 0640, uid %d, gid 0)" % (target, NOBODY)
    # another owner alone too
    result = run(monkeypatch, [dict(entry, owner="root", group="root")])
    assert result["changed_paths"] == [str(target)] and owners(target) == (0, 0)


@as_root
def test_owners_not_given_are_left_as_they_are(monkeypatch, tmp_path):
    target = tmp_path / "a.conf"
    target.write_text("a\n")
    os.chown(str(target), NOBODY, NOGROUP)
    os.chmod(str(target), 0o644)
    result = run(monkeypatch, [{"path": str(target), "content": "a\n", "mode": "0640"}])
    assert result["changed_paths"] == [str(target)] and owners(target) == (NOBODY, NOGROUP)
    assert mode_of(str(target)) == 0o640
    # new content too: the diff says "uid unchanged, gid unchanged"
    result = run(monkeypatch, [{"path": str(target), "content": "b\n", "mode": "0640"}])
    assert result["diff"][0]["after_header"] == "%s (mode 0640, uid unchanged, gid unchanged)" % target
    assert target.read_text() == "b\n" and owners(target) == (NOBODY, NOGROUP)
    # a given group changes only the group
    run(monkeypatch, [{"path": str(target), "content": "c\n", "mode": "0640", "group": "root"}])
    assert target.read_text() == "c\n" and owners(target) == (NOBODY, 0)
    folder = tmp_path / "d"
    folder.mkdir(mode=0o755)
    os.chown(str(folder), NOBODY, NOGROUP)
    run(monkeypatch, [{"path": str(folder), "state": "directory", "mode": "0750"}])
    assert owners(folder) == (NOBODY, NOGROUP) and mode_of(str(folder)) == 0o750


def validator(tmp_path, script):
    path = tmp_path / "check.sh"
    path.write_text("#!/bin/sh\n" + script)
    os.chmod(str(path), 0o755)
    return "%s %%s" % path


@as_root
@pytest.mark.parametrize("owner, group, seen", [("nobody", None, "nobody:root"), (None, "nogroup", "root:nogroup"),
                                                ("nobody", "nogroup", "nobody:nogroup")])
def test_the_validator_reads_a_copy_owned_as_the_file_will_be(monkeypatch, tmp_path, owner, group, seen):
    check = validator(tmp_path, 'echo "owned by $(stat -c %U:%G "$1")" >&2; exit 1\n')
    result = run(monkeypatch, [{"path": str(tmp_path / "consul.hcl"), "content": "a\n", "mode": "0640",
                                "owner": owner, "group": group, "validate": check}])
    assert result["failed"] and result["msg"].endswith("failed with rc 1: owned by %s" % seen)


def test_a_refused_validation_reports_the_command_its_output_and_nothing_changed(monkeypatch, tmp_path):
    check = validator(tmp_path, 'echo "checking $1"; echo "bad option at line 2 of $1" >&2; exit 3\n')
    target = tmp_path / "dnsmasq.conf"
    result = run(monkeypatch, [{"path": str(target), "content": "port=53\nno-such-option\n", "mode": "0644",
                                "validate": check}])
    assert result["failed"] and result["rc"] == 3 and result["changed_paths"] == []
    temporary = result["stdout"].split()[-1]
    # the copy the validator read: in the temporary folder, named for this collection, gone afterwards
    assert os.path.basename(temporary).startswith("discovery-consul-dns-validate.") and not os.path.exists(temporary)
    assert result["stdout"] == "checking %s\n" % temporary
    assert result["stderr"] == "bad option at line 2 of %s\n" % temporary
    assert result["msg"] == "%s was not written: its validation (%s) failed with rc 3: bad option at line 2 of %s line 2: %r" % (
        target, check, temporary, "no-such-option")


def test_a_refusal_naming_no_line_quotes_none(monkeypatch, tmp_path):
    check = validator(tmp_path, 'echo "syntax error" >&2; exit 1\n')
    result = run(monkeypatch, [{"path": str(tmp_path / "a.conf"), "content": "a\nb\n", "mode": "0644", "validate": check}])
    assert result["failed"] and result["msg"].endswith("failed with rc 1: syntax error")


def test_a_refused_secret_is_never_quoted(monkeypatch, tmp_path):
    check = validator(tmp_path, 'echo "bad key at line 1" >&2; exit 1\n')
    result = run(monkeypatch, [{"path": str(tmp_path / "gossip.key"), "secret_content": "5ecret\n", "mode": "0600",
                                "validate": check}])
    assert result["failed"] and result["msg"].endswith("failed with rc 1: bad key at line 1")
    assert "5ecret" not in json.dumps(result) and not (tmp_path / "gossip.key").exists()


def test_a_validate_command_without_the_path_is_refused_and_nothing_is_written(monkeypatch, tmp_path):
    target = tmp_path / "a.conf"
    result = run(monkeypatch, [{"path": str(target), "content": "a\n", "mode": "0644", "validate": "/bin/true"}])
    assert result["failed"] and not target.exists()
    assert result["msg"] == "validate of %s must contain %%s (the path of the content to check)" % target


def test_validation_runs_only_when_the_content_changes_and_never_in_check_mode(monkeypatch, tmp_path):
    refuse = validator(tmp_path, "exit 1\n")
    target = tmp_path / "a.conf"
    target.write_text("a\n")
    os.chmod(str(target), 0o600)
    result = run(monkeypatch, [{"path": str(target), "content": "a\n", "mode": "0644", "validate": refuse}])
    assert "failed" not in result and result["changed_paths"] == [str(target)] and mode_of(str(target)) == 0o644
    result = run(monkeypatch, [{"path": str(target), "content": "b\n", "mode": "0644", "validate": refuse}], check_mode=True)
    assert "failed" not in result and result["changed_paths"] == [str(target)] and target.read_text() == "a\n"


@as_root
def test_a_file_that_cannot_be_replaced_leaves_no_temporary_file(monkeypatch, tmp_path):
    """An immutable file (chattr +i, a way to pin /etc/resolv.conf) cannot be renamed over."""
    target = tmp_path / "resolv.conf"
    target.write_text("nameserver 10.0.0.1\n")
    if subprocess.call(["chattr", "+i", str(target)], stderr=subprocess.DEVNULL) != 0:
        pytest.skip("no chattr +i on this file system")
    try:
        with pytest.raises(OSError):
            run(monkeypatch, [{"path": str(target), "content": "nameserver 127.0.0.1\n", "mode": "0644"}])
    finally:
        subprocess.call(["chattr", "-i", str(target)])
    assert sorted(os.listdir(str(tmp_path))) == ["resolv.conf"] and target.read_text() == "nameserver 10.0.0.1\n"


def test_a_file_not_in_utf8_is_shown_with_its_bytes_kept(monkeypatch, tmp_path):
    target = tmp_path / "hosts"
    target.write_bytes(b"10.0.0.1 caf\xe9\n")
    result = run(monkeypatch, [{"path": str(target), "content": "10.0.0.1 cafe\n", "mode": "0644"}])
    assert result["diff"][0]["before"] == u"10.0.0.1 caf\udce9\n" and target.read_text() == "10.0.0.1 cafe\n"


def test_new_content_is_written_beside_the_file_under_a_hidden_name_then_renamed(monkeypatch, tmp_path):
    """Beside it, so the rename is on one file system (atomic); hidden, so no *.conf glob reads it early."""
    renamed = []
    real_rename = os.rename

    def rename(source, target):
        renamed.append((source, target, sorted(os.listdir(str(tmp_path)))))
        real_rename(source, target)

    monkeypatch.setattr(config_files.os, "rename", rename)
    target = tmp_path / "a.conf"
    run(monkeypatch, [{"path": str(target), "content": "a\n", "mode": "0644"}])
    [(source, renamed_to, present)] = renamed
    assert renamed_to == str(target) and os.path.dirname(source) == str(tmp_path)
    assert os.path.basename(source).startswith(".a.conf.") and present == [os.path.basename(source)]
    assert os.listdir(str(tmp_path)) == ["a.conf"]


def test_an_absent_entry_does_not_end_the_list(monkeypatch, tmp_path):
    result = run(monkeypatch, [{"path": str(tmp_path / "none"), "state": "absent"},
                               {"path": str(tmp_path / "a.conf"), "content": "a\n", "mode": "0644"}])
    assert result["changed_paths"] == [str(tmp_path / "a.conf")] and (tmp_path / "a.conf").read_text() == "a\n"


def test_a_file_given_no_content_that_is_absent_is_refused_naming_it(monkeypatch, tmp_path):
    result = run(monkeypatch, [{"path": str(tmp_path / "gossip.key"), "mode": "0600"}])
    assert result["failed"] and result["msg"] == (
        "%s is given no content, so it must be a file already; it is absent" % (tmp_path / "gossip.key"))


@pytest.mark.parametrize("files, missing", [(None, "files"), ([{"content": "a", "mode": "0644"}], "path")])
def test_the_files_and_their_paths_are_required(monkeypatch, files, missing):
    args = {} if files is None else {"files": files}
    result = run_module(monkeypatch, config_files, None, **args)
    assert result["failed"] and "missing required arguments: %s" % missing in result["msg"]
