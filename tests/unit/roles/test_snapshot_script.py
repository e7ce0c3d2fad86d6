"""The consul role's snapshot script (roles/consul/files/consul-snapshot.py): names, what it keeps, a save."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import importlib.util
import os
import stat
import subprocess

import pytest
from hypothesis import given, settings, strategies as st

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "roles", "consul", "files", "consul-snapshot.py")
spec = importlib.util.spec_from_file_location("consul_snapshot_script", SCRIPT)
script = importlib.util.module_from_spec(spec)
spec.loader.exec_module(script)

FAST = settings(max_examples=200, deadline=None, database=None)


@pytest.fixture(autouse=True)
def umask_kept():
    """save() sets the process's umask (the script is a process of its own): the tests' process gets its own back."""
    umask = os.umask(0o022)
    os.umask(umask)
    yield
    os.umask(umask)


STAMPS = st.integers(min_value=0, max_value=4102444799)   # up to the end of 2099


def test_names_are_utc_times():
    assert script.snapshot_name(1796385600) == "consul-20261204T120000Z.snap"


@FAST
@given(st.lists(STAMPS, unique=True, max_size=30), st.integers(min_value=1, max_value=40))
def test_the_newest_are_kept_and_nothing_else_of_the_folder_is_touched(stamps, retain):
    names = sorted(set(script.snapshot_name(stamp) for stamp in stamps))
    others = ["restore.snap", "notes.txt", "consul-latest.snap"]
    removed = script.to_remove(names + others, retain)
    assert removed == names[:max(len(names) - retain, 0)]
    assert sorted(set(names) - set(removed)) == names[-retain:]


def test_what_unfinished_saves_left_is_removed():
    names = [".consul-20261204T120000Z.snap.partial", ".consul-20261204T120000Z.snap.partial.unverified",
             "consul-20261204T120000Z.snap"]
    assert script.to_remove(names, 5) == names[:2]


def test_a_save_makes_the_folder_root_only_names_the_file_when_complete_and_prunes(tmp_path):
    folder = tmp_path / "snapshots"
    calls = []

    def consul(command, check):
        calls.append(command)
        assert check is True and os.path.basename(command[-1]).startswith(".consul-")
        with open(command[-1], "w") as handle:
            handle.write("snapshot")
        os.chmod(command[-1], 0o666)   # as the consul CLI leaves it

    for stamp in (1796385600, 1796389200, 1796392800):
        path = script.save("/usr/bin/consul", str(folder), 2, now=stamp, run=consul)
    assert calls[0][:3] == ["/usr/bin/consul", "snapshot", "save"]
    assert sorted(os.listdir(folder)) == ["consul-20261204T130000Z.snap", "consul-20261204T140000Z.snap"]
    assert path == str(folder / "consul-20261204T140000Z.snap")
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_failed_save_keeps_the_snapshots_there_and_fails(tmp_path):
    folder = tmp_path / "snapshots"
    folder.mkdir()
    (folder / "consul-20261204T120000Z.snap").write_text("older")

    def failing(command, check):
        raise subprocess.CalledProcessError(1, command)

    pauses = []
    with pytest.raises(subprocess.CalledProcessError):
        script.save("/usr/bin/consul", str(folder), 1, now=1796389200, run=failing, sleep=pauses.append)
    assert os.listdir(folder) == ["consul-20261204T120000Z.snap"]
    assert pauses == [script.RETRY_DELAY] * (script.ATTEMPTS - 1)


def test_a_save_that_fails_for_a_moment_is_tried_again(tmp_path):
    tries = []

    def flaky(command, check):
        tries.append(command)
        if len(tries) < 3:
            raise subprocess.CalledProcessError(1, command)   # a leader being elected
        with open(command[-1], "w") as handle:
            handle.write("snapshot")

    path = script.save("/usr/bin/consul", str(tmp_path), 2, now=1796389200, run=flaky, sleep=lambda seconds: None)
    assert len(tries) == 3 and os.listdir(tmp_path) == [os.path.basename(path)]


@pytest.mark.parametrize("retain", ["0", "-1", "x"])
def test_a_retention_below_one_is_refused(retain, capsys):
    with pytest.raises(SystemExit):
        script.main(["--consul", "/usr/bin/consul", "--dir", "/tmp/x", "--retain", retain])
    assert "--retain" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["link", "file"])
def test_a_folder_that_is_a_link_or_a_file_is_refused_and_nothing_is_saved(tmp_path, kind):
    target = tmp_path / "elsewhere"
    target.mkdir()
    target.chmod(0o755)
    folder = tmp_path / "snapshots"
    if kind == "link":
        folder.symlink_to(target)
    else:
        folder.write_text("not a folder")
    calls = []
    with pytest.raises(OSError, match="is not a folder of this user's"):
        script.save("/usr/bin/consul", str(folder), 2, now=1796385600, run=lambda command, check: calls.append(command))
    assert calls == [] and stat.S_IMODE(target.stat().st_mode) == 0o755
