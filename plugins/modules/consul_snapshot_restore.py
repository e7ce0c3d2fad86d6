#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: consul_snapshot_restore
short_description: Restore a snapshot of a Consul cluster's state into a rebuilt cluster
version_added: 0.6.0
description:
  - Sends a snapshot file (made by C(consul snapshot save), or C(GET /v1/snapshot)) to Consul
    (C(PUT /v1/snapshot)); the leader replaces the servers' whole state with it (the catalog, the ACL
    tokens and policies, the KV store, the prepared queries, the sessions).
  - By default only into a cluster that holds nothing yet (O(only_into_empty)), the one a restore is for
    (every server's data lost, the servers started again), that is with no ACL token but the anonymous
    one and the one in use, no service but C(consul) in the catalog, no key in the KV store and no
    prepared query. The token must be able to read all of them (the management token); a token that may
    not list the ACL tokens fails the task, as what a token may not read would look empty. A cluster that holds anything is left alone and the module
    reports no change, so the task can stay in a playbook that is run again.
  - A cluster with ACLs needs a token with C(acl = "write") (the management token). A cluster whose ACLs
    were never bootstrapped can be bootstrapped for the restore (M(discovery.consul_dns.consul_acl_bootstrap)),
    and the restore replaces that token with the snapshot's tokens, the snapshot's management token among them.
  - Runs on the host that holds the file, against that host's agent (a server's, or one that reaches them).
extends_documentation_fragment:
  - discovery.consul_dns.connection
attributes:
  check_mode:
    support: full
    description: Reads whether the cluster holds anything and reports whether it would restore; sends nothing.
  diff_mode:
    support: full
    description: Shows the SHA-256 of the snapshot the cluster holds (C(none) before a restore) before and after.
options:
  src:
    description: The snapshot file on the host the module runs on (a gzip archive, as C(consul snapshot save) writes it).
    type: path
    required: true
  only_into_empty:
    description:
      - Restore only into a cluster that holds nothing yet; a cluster that does is left alone (RV(cluster_empty) false).
      - C(false) restores into a running cluster too, replacing its state with the snapshot's (a roll back),
        on every run of the task.
    type: bool
    default: true
notes:
  - Consul verifies the archive before it replaces anything; a damaged file fails the task and leaves the cluster as it was.
  - The agents register their own services again by anti-entropy (within a minute or two); the
    catalog holds the snapshot's entries until then.
seealso:
  - module: discovery.consul_dns.consul_acl_bootstrap
  - name: Consul's snapshot endpoint
    description: The request, and what a snapshot holds.
    link: https://developer.hashicorp.com/consul/api-docs/snapshot
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: A token for the restore, in a cluster never bootstrapped
  discovery.consul_dns.consul_acl_bootstrap:
    token: "{{ consul_management_token }}"
  register: bootstrap
  no_log: true

- name: Restore the snapshot into the rebuilt cluster
  discovery.consul_dns.consul_snapshot_restore:
    src: /var/lib/consul-snapshots/restore.snap
    token: "{{ bootstrap.secret_id | default(consul_management_token) }}"
  no_log: true
"""

RETURN = r"""
cluster_empty:
  description: Whether the cluster held nothing before the task (no other ACL token, no service but C(consul), no KV key, no prepared query).
  returned: always
  type: bool
  sample: true
restored:
  description: Whether the snapshot was sent to Consul (false in check mode).
  returned: always
  type: bool
  sample: true
sha256:
  description: The SHA-256 of the snapshot file.
  returned: always
  type: str
  sample: 8c3c2f7d5a0f3c5b6b7c2e1d3f4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6
"""

import hashlib

from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_client import ConsulError
from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_module import ConsulModule, OptionError

GZIP_MAGIC = b"\x1f\x8b"


def snapshot_digest(path):
    """The file's SHA-256; an OptionError naming src when it cannot be read or is not a gzip archive."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as snapshot:
            head = snapshot.read(len(GZIP_MAGIC))
            if head != GZIP_MAGIC:
                raise OptionError("src", "%s is not a Consul snapshot (a gzip archive)" % path)
            digest.update(head)
            for block in iter(lambda: snapshot.read(1 << 20), b""):
                digest.update(block)
    except (IOError, OSError) as exc:
        raise OptionError("src", "%s cannot be read: %s" % (path, exc.strerror or exc))
    return digest.hexdigest()


ANONYMOUS_TOKEN = "00000000-0000-0000-0000-000000000002"


def other_acl_tokens(client):
    """The ACL tokens besides the anonymous one and the one in use (an empty cluster's bootstrap token);
    none when ACLs are off. A token that may not list them fails the module: reads that a token may not
    make come back empty, and an empty answer must never pass for an empty cluster."""
    try:
        listed = client.acl_list("token")
    except ConsulError as exc:
        if exc.status == 401:   # "ACL support disabled"
            return []
        raise
    own = (client.acl_token_self() or {}).get("AccessorID")
    return [token for token in listed if token.get("AccessorID") not in (ANONYMOUS_TOKEN, own)]


def cluster_empty(client):
    """Nothing in the cluster yet: no ACL token but the anonymous one and the one in use, no service
    but Consul's own, no KV key, no prepared query."""
    return (not other_acl_tokens(client) and set(client.catalog_services()) <= {"consul"} and not client.kv_keys()
            and not client.prepared_queries())


def main():
    module = ConsulModule(argument_spec=dict(
        src=dict(type="path", required=True),
        only_into_empty=dict(type="bool", default=True),
    ))
    params = module.params
    with module.errors():
        digest = snapshot_digest(params["src"])
        empty = cluster_empty(module.client)
        restore = empty or not params["only_into_empty"]
        before = dict(snapshot="none" if empty else "the cluster's own state")
        module.change(before, dict(snapshot=digest) if restore else before)
        if restore:
            module.apply(module.client.snapshot_restore, params["src"])
    module.exit(cluster_empty=empty, restored=restore and not module.check_mode, sha256=digest)


if __name__ == "__main__":
    main()
