# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Save a snapshot of the Consul cluster's state into a folder and keep the newest ones.

Run by consul-snapshot.service (the consul role of discovery.consul_dns, on a timer), with /usr/bin/python3. The consul CLI
takes the agent's address, its TLS files and the token from the unit's environment (CONSUL_HTTP_ADDR,
CONSUL_CACERT, CONSUL_CLIENT_CERT, CONSUL_CLIENT_KEY, CONSUL_HTTP_TOKEN_FILE); `consul snapshot save`
verifies the archive before it keeps it. A snapshot holds every ACL token's secret: the folder is made
0700 and every file 0600 (umask), and a snapshot gets its final name only once complete, so a reader
of the folder never takes a partial one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import os
import re
import stat
import subprocess
import sys
import time

# consul-20261204T101500Z.snap: the names sort as the times they were taken
SNAPSHOT_NAME = re.compile(r"^consul-\d{8}T\d{6}Z\.snap$")
# a save that did not finish (this script's name for it, and the consul CLI's own ".unverified" beside it)
PARTIAL_PREFIX = ".consul-"


def snapshot_name(now):
    """The file name of a snapshot taken at ``now`` (seconds since the epoch), in UTC."""
    return "consul-%s.snap" % time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))


def to_remove(names, retain):
    """Of the names in the folder: the snapshots beyond the newest ``retain`` and what saves that did
    not finish left; any other file is not this script's and stays."""
    snapshots = sorted(name for name in names if SNAPSHOT_NAME.match(name))
    partial = sorted(name for name in names if name.startswith(PARTIAL_PREFIX))
    return snapshots[:max(len(snapshots) - retain, 0)] + partial


# a snapshot is asked of the leader: one that is being elected, or a server that has just joined,
# fails it for a moment; a timer's run is worth a few seconds' patience
ATTEMPTS = 3
RETRY_DELAY = 5


def save(consul, folder, retain, now=None, run=subprocess.run, sleep=time.sleep, attempts=ATTEMPTS):
    """Take one snapshot into ``folder`` (``attempts`` tries), then remove what ``to_remove`` names;
    the new file's path."""
    os.umask(0o077)
    if not os.path.lexists(folder):
        os.makedirs(folder, 0o700)
    # a link, or a folder another user owns, could point root's chmod and writes elsewhere
    found = os.lstat(folder)
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.geteuid():
        raise OSError("%s is not a folder of this user's (a link, a file, or another user's folder)" % folder)
    os.chmod(folder, 0o700)
    name = snapshot_name(time.time() if now is None else now)
    partial = os.path.join(folder, PARTIAL_PREFIX + name[len("consul-"):] + ".partial")
    for attempt in range(1, attempts + 1):
        try:
            run([consul, "snapshot", "save", partial], check=True)
            break
        except subprocess.CalledProcessError:
            if attempt == attempts:
                raise
            sleep(RETRY_DELAY)
    # the consul CLI makes its file 0666 whatever the umask: only the folder (0700) protected it so far
    os.chmod(partial, 0o600)
    path = os.path.join(folder, name)
    os.rename(partial, path)
    for stale in to_remove(os.listdir(folder), retain):
        os.remove(os.path.join(folder, stale))
    return path


def positive(value):
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more, got %s" % value)
    return number


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--consul", required=True, help="the consul binary")
    parser.add_argument("--dir", required=True, help="the folder of the snapshots")
    parser.add_argument("--retain", required=True, type=positive, help="how many snapshots to keep")
    parser.add_argument("--attempts", default=ATTEMPTS, type=positive, help="tries of each save (default %(default)s)")
    args = parser.parse_args(argv)
    try:
        path = save(args.consul, args.dir, args.retain, attempts=args.attempts)
    except (OSError, subprocess.CalledProcessError) as exc:
        print("consul-snapshot: no snapshot saved: %s" % exc, file=sys.stderr)
        return 1
    print("consul-snapshot: saved %s" % path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
