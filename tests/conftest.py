"""Shared by unit and integration tests: make this checkout importable as discovery.consul_dns."""

import hashlib
import os
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _collections_root():
    """A folder holding ansible_collections/discovery/consul_dns -> this checkout (one per checkout)."""
    parts = REPO.split(os.sep)
    if parts[-3:-2] == ["ansible_collections"]:
        return os.sep.join(parts[:-3])
    key = hashlib.md5(REPO.encode()).hexdigest()[:12]
    root = os.path.join(tempfile.gettempdir(), "consul_dns-collections-%d-%s" % (os.getuid(), key))
    link = os.path.join(root, "ansible_collections", "discovery", "consul_dns")
    os.makedirs(os.path.dirname(link), exist_ok=True)
    if os.path.realpath(link) != REPO:
        tmp = link + ".%d" % os.getpid()
        os.symlink(REPO, tmp)
        os.replace(tmp, link)
    return root


COLLECTIONS_ROOT = _collections_root()
# this checkout first; the paths given before it (tests/compat.sh: the collections the oldest
# ansible-core lacks, such as ansible.posix's json callback) after it
os.environ["ANSIBLE_COLLECTIONS_PATH"] = os.pathsep.join(
    [COLLECTIONS_ROOT] + [path for path in os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep) if path])
if COLLECTIONS_ROOT not in sys.path:
    sys.path.insert(0, COLLECTIONS_ROOT)
