#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: config_files
short_description: Write a set of configuration files and their folders in one step, each validated first
version_added: 0.3.0
description:
  - This module is for internal collection use only (the roles of this collection run it); its options
    and results may change in any release.
  - Brings a set of folders and files to the given content, owner, group and mode, in one round trip
    to the host. An unchanged run reads each file once and writes nothing, where one
    M(ansible.builtin.template) task per file costs two round trips each.
  - Every file whose content changes is validated first, with its own command, on a temporary copy;
    when any validation fails nothing at all is written (check mode validates nothing, as
    M(ansible.builtin.template) does, since the validator may not be installed yet), and the error quotes the line the validator
    refused when it names one (as C(dnsmasq --test) does, of a temporary file).
  - A file's new content is written to a temporary file in its folder, given its owner, group and mode,
    and renamed over the old one, so a reader never sees a half-written file and a secret is never
    readable by more than its mode allows, not even for a moment. A symbolic link at a file's path is
    replaced by the file.
  - Reports which paths changed (RV(changed_paths)), so that one task can notify handlers that each
    act only on the files they care about.
extends_documentation_fragment:
  - discovery.consul_dns.attributes
attributes:
  diff_mode:
    details: Secret contents (O(files[].secret_content)) are never shown; their diff says only that they change.
      Nor is the content of a file removed (O(files[].state=absent)), which may hold a secret; its size only.
options:
  files:
    description: The folders and files, in the order they are created.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: Absolute path of the file or folder.
        type: path
        required: true
      state:
        description: A regular file with the given content, a folder, or nothing (a file or link removed).
        type: str
        choices: [file, directory, absent]
        default: file
      content:
        description:
          - The file's content. Give at most one of O(files[].content) and O(files[].secret_content) for a file.
          - With neither, the file's content stays as it is and only its owner, group and mode are set;
            the file must exist then. A role does so for a secret it did not need to read (the gossip key
            every member already has).
        type: str
      secret_content:
        description:
          - The content of a file that holds a secret (a key, a token). Never logged, shown or put in a diff.
        type: str
      owner:
        description: Owner (a user name). Defaults to the user the module runs as, for a new file.
        type: str
      group:
        description: Group (a group name). Defaults to the user's group, for a new file.
        type: str
      mode:
        description: Permissions, as an octal string such as C("0640"). Required for a file or a folder.
        type: str
      validate:
        description:
          - Command that must succeed on the new content before anything is written; C(%s) is the path
            of a temporary file holding it. Runs only when the content changes.
        type: str
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: Write the agent's configuration files together
  discovery.consul_dns.config_files:
    files:
      - {path: /etc/consul.d, state: directory, owner: root, group: consul, mode: "0750"}
      - path: /etc/consul.d/consul.hcl
        content: "{{ lookup('ansible.builtin.template', 'consul.hcl.j2') }}"
        owner: root
        group: consul
        mode: "0640"
        validate: consul validate -config-format=hcl %s
      - path: /etc/consul.d/encrypt.hcl
        secret_content: "encrypt = {{ gossip_key | to_json }}\n"
        owner: root
        group: consul
        mode: "0640"
  register: consul_files
  notify: restart consul

- name: Act on one of them only
  ansible.builtin.debug:
    msg: the agent's configuration changed
  when: "'/etc/consul.d/consul.hcl' in consul_files.changed_paths"
"""

RETURN = r"""
changed_paths:
  description: The paths whose content, owner, group or mode changed (or would, in check mode), in the given order.
  returned: always
  type: list
  elements: str
  sample: [/etc/consul.d/consul.hcl]
"""

import grp
import os
import pwd
import stat
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_text

from ansible_collections.discovery.consul_dns.plugins.module_utils.refused_line import refused_line


class FileSpec(object):
    """One entry of ``files``: what the path should be."""

    def __init__(self, entry):
        self.path = entry["path"]
        self.is_directory = entry["state"] == "directory"
        self.absent = entry["state"] == "absent"
        self.secret = entry["secret_content"] is not None
        content = entry["secret_content"] if self.secret else entry["content"]
        self.content = None if content is None else to_bytes(content)
        # a file given no content: its content stays, its attributes are set
        self.keep_content = entry["state"] == "file" and content is None
        self.mode = int(entry["mode"], 8) if entry["mode"] else None
        self.uid = pwd.getpwnam(entry["owner"]).pw_uid if entry["owner"] else None
        self.gid = grp.getgrnam(entry["group"]).gr_gid if entry["group"] else None
        self.validate = entry["validate"]


def read_current(spec):
    """(kind, content, stat) of what is at the path now; kind is file, directory, link, other or None."""
    try:
        found = os.lstat(spec.path)
    except OSError:
        return None, None, None
    if stat.S_ISLNK(found.st_mode):
        return "link", None, found
    if stat.S_ISDIR(found.st_mode):
        return "directory", None, found
    if not stat.S_ISREG(found.st_mode):
        return "other", None, found
    with open(spec.path, "rb") as current:
        return "file", current.read(), found


def attributes_differ(spec, found):
    return (stat.S_IMODE(found.st_mode) != spec.mode
            or (spec.uid is not None and found.st_uid != spec.uid)
            or (spec.gid is not None and found.st_gid != spec.gid))


def describe(spec, found):
    """``path (mode 0640, uid 0, gid 101)``: the header of a diff."""
    if found is None:
        return "%s (absent)" % spec.path
    return "%s (mode %04o, uid %d, gid %d)" % (spec.path, stat.S_IMODE(found.st_mode), found.st_uid, found.st_gid)


def wanted_header(spec):
    return "%s (mode %04o, uid %s, gid %s)" % (
        spec.path, spec.mode,
        "unchanged" if spec.uid is None else spec.uid, "unchanged" if spec.gid is None else spec.gid)


def shown(spec, content):
    if content is None:
        return ""
    if spec.secret:
        return "(secret content, %d bytes)\n" % len(content)
    return to_text(content, errors="surrogate_or_strict")


def give_attributes(spec, descriptor=None, path=None, current=None):
    """The spec's mode, owner and group; an owner or group not given stays as it is, or as ``current``
    (the stat of the file a new one replaces) has it."""
    owner = spec.uid if spec.uid is not None else (-1 if current is None else current.st_uid)
    group = spec.gid if spec.gid is not None else (-1 if current is None else current.st_gid)
    if descriptor is not None:
        os.fchown(descriptor, owner, group)
        os.fchmod(descriptor, spec.mode)
    else:
        os.chown(path, owner, group)
        os.chmod(path, spec.mode)


def write_file(spec):
    """Temporary file in the same folder, attributes first, then renamed over the path. A file it
    replaces keeps its owner and group unless they are given (a link's are not the file's)."""
    try:
        current = os.lstat(spec.path)
    except OSError:
        current = None
    if current is not None and not stat.S_ISREG(current.st_mode):
        current = None
    descriptor, temporary = tempfile.mkstemp(dir=os.path.dirname(spec.path), prefix=".%s." % os.path.basename(spec.path))
    try:
        give_attributes(spec, descriptor=descriptor, current=current)
        os.write(descriptor, spec.content)
        os.fsync(descriptor)
        os.close(descriptor)
        descriptor = None
        os.rename(temporary, spec.path)
    except Exception:
        if descriptor is not None:
            os.close(descriptor)
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def validate(module, spec):
    """Run the spec's validate command on a private temporary copy; fail naming the path and the refused line."""
    descriptor, temporary = tempfile.mkstemp(prefix="discovery-consul-dns-validate.")
    try:
        os.write(descriptor, spec.content)
        os.close(descriptor)
        if spec.uid is not None or spec.gid is not None:
            # the validator may run as the file's owner (consul validate reads only what consul could)
            os.chown(temporary, -1 if spec.uid is None else spec.uid, -1 if spec.gid is None else spec.gid)
        command = spec.validate % temporary if "%s" in spec.validate else None
        if command is None:
            module.fail_json(msg="validate of %s must contain %%s (the path of the content to check)" % spec.path)
        rc, out, err = module.run_command(command)
    finally:
        os.unlink(temporary)
    if rc != 0:
        message = (err or out).strip()
        quoted = "" if spec.secret else refused_line(message, to_text(spec.content, errors="surrogate_or_strict"))
        module.fail_json(msg="%s was not written: its validation (%s) failed with rc %d: %s%s" % (
            spec.path, spec.validate, rc, message, " " + quoted if quoted else ""),
            rc=rc, stdout=out, stderr=err, changed_paths=[])


class ConfigFilesModule(AnsibleModule):
    """An AnsibleModule whose invocation log (syslog or the journal on the target host) never shows a
    secret_content: AnsibleModule masks the values of no_log options as given, but logs the list of
    files as str(list), where a secret's newlines (a key file's last line, every line of a PEM key)
    are escaped and so no longer match. Their escaped forms are masked too."""

    def _log_invocation(self):
        self.no_log_values.update([repr(value)[1:-1] for value in self.no_log_values])
        super(ConfigFilesModule, self)._log_invocation()


def main():
    module = ConfigFilesModule(
        argument_spec=dict(
            files=dict(type="list", elements="dict", required=True, options=dict(
                path=dict(type="path", required=True),
                state=dict(type="str", choices=["file", "directory", "absent"], default="file"),
                content=dict(type="str"),
                secret_content=dict(type="str", no_log=True),
                owner=dict(type="str"),
                group=dict(type="str"),
                mode=dict(type="str"),
                validate=dict(type="str"),
            )),
        ),
        supports_check_mode=True,
    )
    specs = []
    for entry in module.params["files"]:
        has_content = [entry[key] is not None for key in ("content", "secret_content")]
        if entry["state"] == "file" and has_content.count(True) > 1:
            module.fail_json(msg="files: %s takes one of content and secret_content, not both" % entry["path"])
        if entry["state"] != "file" and any(has_content):
            module.fail_json(msg="files: %s is %s; content and secret_content are for files" % (entry["path"], entry["state"]))
        if entry["state"] != "absent" and not entry["mode"]:
            module.fail_json(msg="files: %s needs a mode" % entry["path"])
        if not os.path.isabs(entry["path"]):
            module.fail_json(msg="files: path must be absolute, got %s" % entry["path"])
        try:
            specs.append(FileSpec(entry))
        except ValueError:
            module.fail_json(msg="files: mode of %s must be an octal string such as \"0640\", got %s" % (entry["path"], entry["mode"]))
        except KeyError as missing:
            module.fail_json(msg="files: owner or group of %s does not exist on this host: %s" % (entry["path"], missing))

    plan = []   # (spec, kind of what is there, write the content?, set attributes?)
    diffs = []
    for spec in specs:
        kind, content, found = read_current(spec)
        if spec.absent:
            if kind in ("file", "link"):
                plan.append((spec, kind, True, False))
                # the module cannot know whether a file it removes holds a secret: its size only
                diffs.append(dict(before_header=describe(spec, found), after_header="%s (absent)" % spec.path,
                                  before="" if content is None else "(content not shown, %d bytes)\n" % len(content),
                                  after=""))
            elif kind is not None:
                module.fail_json(msg="%s is a %s; only a file or a link is removed" % (spec.path, kind))
            continue
        wanted_kind = "directory" if spec.is_directory else "file"
        if spec.keep_content and kind != "file":
            module.fail_json(msg="%s is given no content, so it must be a file already; it is %s" % (
                spec.path, "a " + kind if kind else "absent"))
        if kind not in (None, wanted_kind) and (spec.is_directory or kind != "link"):
            module.fail_json(msg="%s is a %s, not a %s; remove it first" % (spec.path, kind, wanted_kind))
        write = kind != wanted_kind or (not spec.is_directory and not spec.keep_content and content != spec.content)
        set_attributes = not write and attributes_differ(spec, found)
        if write or set_attributes:
            plan.append((spec, kind, write, set_attributes))
            diffs.append(dict(before_header=describe(spec, found), after_header=wanted_header(spec),
                              before=shown(spec, content) if write else "", after=shown(spec, spec.content) if write else ""))

    if not module.check_mode:
        # all validations before the first write: a refused file leaves every file as it was
        for spec, kind, write, set_attributes in plan:
            if write and spec.content is not None and spec.validate:
                validate(module, spec)

        for spec, kind, write, set_attributes in plan:
            if spec.absent:
                os.unlink(spec.path)
            elif spec.is_directory and write:
                os.mkdir(spec.path, spec.mode)
                give_attributes(spec, path=spec.path)
            elif write:
                write_file(spec)
            else:
                give_attributes(spec, path=spec.path)

    changed_paths = [spec.path for spec, kind, write, set_attributes in plan]
    module.exit_json(changed=bool(plan), changed_paths=changed_paths, diff=diffs)


if __name__ == "__main__":
    main()
