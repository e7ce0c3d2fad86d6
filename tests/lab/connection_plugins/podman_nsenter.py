# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs commands in a podman container by entering its namespaces: the lab's and molecule's hosts.

Test tooling, not part of the collection. containers.podman's connection starts podman four times
for each task on each host (mount, make a temporary directory, chmod, run); a podman start costs
0.4 s on this machine kind, most of a task's time, and a lab converge is thousands of them. The
container's init is looked up with podman once and kept (checked against its start time, so a
restarted container is looked up again); a command is then one nsenter into all its namespaces, a
few milliseconds, and modules are pipelined. Files are copied with cat inside the container, so
a path's symlinks resolve in the container's root, never the controller's.
The command runs as root with root's full capabilities, as ansible's become would on a real host.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = """
    name: podman_nsenter
    short_description: Run commands in a running podman container through nsenter
    description:
        - Runs each command with C(nsenter) in every namespace of the init process of the container
          named by C(ansible_host) (else the inventory name).
        - The init's PID comes from C(podman inspect) and is kept under O(pid_cache_dir) while that
          process lives.
        - Copies files with C(cat) run inside the container.
    extends_documentation_fragment:
        - connection_pipelining
    options:
      podman_executable:
        description:
          - Executable for podman command.
        default: podman
        vars:
          - name: ansible_podman_executable
        env:
          - name: ANSIBLE_PODMAN_EXECUTABLE
      pid_cache_dir:
        description:
          - Where the containers' init PIDs are kept between tasks.
        default: /run/cdns-podman-pids
        env:
          - name: CDNS_PODMAN_PID_CACHE
"""

import os
import shlex
import subprocess
import tempfile

from ansible.errors import AnsibleConnectionFailure, AnsibleError
from ansible.module_utils.common.text.converters import to_bytes, to_native
from ansible.plugins.connection import ConnectionBase, ensure_connect
from ansible.utils.display import Display

display = Display()

# the default of the pid_cache_dir option, also where the tests' own commands (labdns) keep them
PID_CACHE_DIR = "/run/cdns-podman-pids"
CONTAINER_ENVIRONMENT = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm",
                         "container=podman", "HOME=/root"]


def _start_time(pid):
    """The process's start time in clock ticks after boot (field 22 of /proc/PID/stat), None if gone."""
    try:
        with open("/proc/%s/stat" % pid, "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return None


def container_pid(name, podman="podman", cache_dir=PID_CACHE_DIR):
    """The host PID of the container's init: kept under cache_dir while the same process lives."""
    kept = os.path.join(cache_dir, name.replace("/", "_"))
    try:
        with open(kept) as handle:
            pid, started = handle.read().split()
        if _start_time(pid) == started:
            return pid
    except (OSError, ValueError):
        pass
    proc = subprocess.run([podman, "inspect", "--type", "container", "--format", "{{.State.Pid}}", name],
                          capture_output=True, text=True, check=False)
    pid = proc.stdout.strip()
    if proc.returncode != 0 or not pid.isdigit() or pid == "0":
        raise AnsibleConnectionFailure("container %s is not running: %s" % (name, proc.stderr.strip()))
    started = _start_time(pid)
    if started is None:
        raise AnsibleConnectionFailure("container %s: its init (PID %s) is gone" % (name, pid))
    os.makedirs(cache_dir, mode=0o700, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=cache_dir)
    with os.fdopen(handle, "w") as out:
        out.write("%s %s\n" % (pid, started))
    os.replace(temporary, kept)
    return pid


def nsenter_argv(pid, argv):
    """argv run as the container's root would run it, in every namespace of the init PID."""
    return ["nsenter", "--target", str(pid), "--all", "--", "/usr/bin/env", "-i"] + CONTAINER_ENVIRONMENT + list(argv)


class Connection(ConnectionBase):
    transport = "podman_nsenter"
    has_pipelining = True

    def __init__(self, play_context, new_stdin, *args, **kwargs):
        super(Connection, self).__init__(play_context, new_stdin, *args, **kwargs)
        self._pid = None

    def _connect(self):
        super(Connection, self)._connect()
        if self._play_context.remote_user not in (None, "root"):
            raise AnsibleError("podman_nsenter runs commands as root only, not as %s" % self._play_context.remote_user)
        self._pid = container_pid(self._play_context.remote_addr, self.get_option("podman_executable"),
                                  self.get_option("pid_cache_dir"))
        self._connected = True
        return self

    def _run(self, argv, in_data=None):
        command = nsenter_argv(self._pid, argv)
        display.vvv("NSENTER %s" % command, host=self._play_context.remote_addr)
        proc = subprocess.run([to_bytes(word, errors="surrogate_or_strict") for word in command], input=in_data,
                              capture_output=True, check=False)
        return proc.returncode, proc.stdout, proc.stderr

    @ensure_connect
    def exec_command(self, cmd, in_data=None, sudoable=False):
        super(Connection, self).exec_command(cmd, in_data=in_data, sudoable=sudoable)
        return self._run(shlex.split(to_native(cmd, errors="surrogate_or_strict")), in_data)

    @ensure_connect
    def put_file(self, in_path, out_path):
        super(Connection, self).put_file(in_path, out_path)
        with open(to_bytes(in_path, errors="surrogate_or_strict"), "rb") as source:
            content = source.read()
        rc, dummy, stderr = self._run(["/bin/sh", "-c", 'cat > "$1"', "sh", out_path], content)
        if rc != 0:
            raise AnsibleError("copying %s to %s failed: %s" % (in_path, out_path, to_native(stderr)))

    @ensure_connect
    def fetch_file(self, in_path, out_path):
        super(Connection, self).fetch_file(in_path, out_path)
        rc, content, stderr = self._run(["/bin/cat", in_path])
        if rc != 0:
            raise AnsibleError("fetching %s failed: %s" % (in_path, to_native(stderr)))
        with open(to_bytes(out_path, errors="surrogate_or_strict"), "wb") as target:
            target.write(content)

    def close(self):
        super(Connection, self).close()
        self._connected = False
