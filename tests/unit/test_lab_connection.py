"""The lab's podman_nsenter connection: a container's init looked up once and kept only while it lives."""

import os
import stat

import pytest
from ansible.errors import AnsibleConnectionFailure

from connection_plugins.podman_nsenter import container_pid, nsenter_argv


def fake_podman(tmp_path, prints):
    """A podman whose inspect prints `prints` and counts its calls."""
    script = tmp_path / "podman"
    script.write_text("#!/bin/sh\necho x >> %s/calls\necho %s\n" % (tmp_path, prints))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def calls(tmp_path):
    path = tmp_path / "calls"
    return len(path.read_text().split()) if path.exists() else 0


def test_a_living_init_is_looked_up_once(tmp_path):
    podman, cache = fake_podman(tmp_path, os.getpid()), str(tmp_path / "cache")
    assert container_pid("cdns-lab-web1", podman, cache) == str(os.getpid())
    assert container_pid("cdns-lab-web1", podman, cache) == str(os.getpid())
    assert calls(tmp_path) == 1


def test_a_kept_pid_whose_process_changed_is_looked_up_again(tmp_path):
    podman, cache = fake_podman(tmp_path, os.getpid()), tmp_path / "cache"
    cache.mkdir()
    # the same PID with another start time: a restarted container whose init got a recycled PID
    (cache / "cdns-lab-web1").write_text("%d 1\n" % os.getpid())
    assert container_pid("cdns-lab-web1", podman, str(cache)) == str(os.getpid())
    assert calls(tmp_path) == 1
    assert (cache / "cdns-lab-web1").read_text().split()[1] != "1"


@pytest.mark.parametrize("prints", ["0", "", "12abc"])
def test_a_stopped_or_unknown_container_is_unreachable(tmp_path, prints):
    with pytest.raises(AnsibleConnectionFailure, match="cdns-lab-web1 is not running"):
        container_pid("cdns-lab-web1", fake_podman(tmp_path, prints), str(tmp_path / "cache"))


def test_commands_run_in_every_namespace_with_the_containers_environment_only():
    argv = nsenter_argv("42", ["/bin/sh", "-c", "echo $HOME"])
    assert argv[:5] == ["nsenter", "--target", "42", "--all", "--"]
    assert argv[5:7] == ["/usr/bin/env", "-i"]
    assert "container=podman" in argv and argv[-3:] == ["/bin/sh", "-c", "echo $HOME"]
