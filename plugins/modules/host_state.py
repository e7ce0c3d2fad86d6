#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: host_state
short_description: Read in one step what a role must know about a host before it changes anything
version_added: 0.3.0
description:
  - This module is for internal collection use only (the roles of this collection run it); its options
    and results may change in any release.
  - Reports the installed versions of Debian packages, whether a virtualenv satisfies Python
    requirements, the version a program reports, the state of systemd units, the content of small
    files and the digests of files that hold a secret, all in one round trip to the host.
  - The roles of this collection run it first and skip every install step whose result is already
    there, so that an unchanged run costs a few round trips instead of one per step.
  - Reads only; never changes anything.
attributes:
  check_mode:
    support: full
    description: Reads the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show.
options:
  deb_packages:
    description: Debian packages whose installed version to report (dpkg's view).
    type: list
    elements: str
    default: []
  python_venv:
    description: A virtualenv whose installed distributions are checked against O(python_requirements).
    type: path
  python_requirements:
    description:
      - Requirement specifiers such as C(py-consul>=1.5), checked against what O(python_venv) has.
      - Versions are compared with the C(packaging) library when the host has it; without it a requirement
        counts as met only when its distribution is installed and the specifier names no version.
    type: list
    elements: str
    default: []
  version_command:
    description:
      - A command whose output holds a version, such as C(/usr/bin/consul version); the first C(vX.Y.Z)
        or C(X.Y.Z) it prints is returned. A missing program is reported as no version.
    type: list
    elements: str
  systemd_units:
    description: Units whose active and enabled states to report.
    type: list
    elements: str
    default: []
  read_files:
    description:
      - Small text files whose content to return (absent files as null). Never a file that holds a
        secret; give those in O(digest_files), so that their content does not leave the host.
      - Those that are symbolic links are named in RV(links) with their targets (another program
        manages such a file, for example systemd-resolved's C(/etc/resolv.conf)).
    type: list
    elements: path
    default: []
  digest_files:
    description:
      - Files whose SHA-256 digest to return instead of their content (absent files as null), for the
        files that hold a secret (a key, a token). The controller compares them with the digest of the
        content it wants (the P(discovery.consul_dns.stale_files#filter) filter), so the secret never
        travels back from the host to be compared.
    type: list
    elements: path
    default: []
    version_added: 0.5.0
  keyring_files:
    description:
      - Consul's gossip keyring files (C(serf/local.keyring), C(serf/remote.keyring) in its data folder),
        JSON lists of keys, the primary first. Each is returned in RV(keyrings) as the SHA-256 digest of
        its keys one per line. A keyring holding one key alone has the digest of a key file holding that
        key and a line break, and is compared with it without either key leaving the host.
    type: list
    elements: path
    default: []
    version_added: 0.6.0
  certificate_files:
    description:
      - PEM certificates whose end of validity to return in RV(certificates) (read with C(openssl x509)).
    type: list
    elements: path
    default: []
    version_added: 0.6.0
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: What is installed and running
  discovery.consul_dns.host_state:
    deb_packages: [consul, python3-venv]
    python_venv: /opt/discovery-consul-dns/venv
    python_requirements: ["py-consul>=1.5"]
    version_command: [/usr/bin/consul, version]
    systemd_units: [consul]
  register: host

- name: Install consul only when it is missing
  ansible.builtin.apt:
    name: consul
  when: host.deb_packages.consul is none
"""

RETURN = r"""
deb_packages:
  description: Each package asked for and its installed version, or null when it is not installed.
  returned: always
  type: dict
  sample: {consul: "1.8.7+dfsg1-2+b3", python3-venv: null}
python_requirements_met:
  description: Whether O(python_venv) exists and satisfies every one of O(python_requirements).
  returned: always
  type: bool
python_distributions:
  description: The distributions installed in O(python_venv) (lower-case names) and their versions.
  returned: always
  type: dict
  sample: {py-consul: "1.6.0", requests: "2.32.3"}
version:
  description: The version O(version_command) printed, or null.
  returned: always
  type: str
  sample: 1.8.7
systemd_units:
  description: Each unit's C(active) (e.g. C(active), C(inactive)) and C(enabled) (e.g. C(enabled), C(disabled), C(not-found)) states.
  returned: always
  type: dict
  sample: {consul: {active: active, enabled: enabled}}
files:
  description: Each file asked for and its content, or null when it does not exist.
  returned: always
  type: dict
digests:
  description: Each file of O(digest_files) and the SHA-256 digest of its content (lower-case hex), or null when it does not exist.
  returned: always
  type: dict
  sample: {/etc/consul.d/agent.token: 4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945}
  version_added: 0.5.0
keyrings:
  description:
    - Each file of O(keyring_files) and the SHA-256 digest of its keys one per line (lower-case hex), or
      null when it does not exist; an empty string when it is not a JSON list of strings.
  returned: always
  type: dict
  sample: {/var/lib/consul/serf/local.keyring: 4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945}
  version_added: 0.6.0
certificates:
  description:
    - Each file of O(certificate_files) and the end of its validity (UTC, C(YYYY-MM-DDTHH:MM:SSZ)), or null
      when it does not exist or is no certificate.
  returned: always
  type: dict
  sample: {/etc/consul.d/tls/agent.pem: "2029-03-08T10:15:00Z"}
  version_added: 0.6.0
links:
  description: The files of O(read_files) that are symbolic links, each with its target.
  returned: always
  type: dict
  sample: {/etc/resolv.conf: ../run/systemd/resolve/stub-resolv.conf}
"""

import glob
import hashlib
import json
import os
import re
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.discovery.consul_dns.plugins.module_utils.versions import first_version

_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalized(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def deb_versions(module, names):
    versions = dict((name, None) for name in names)
    if not names:
        return versions
    # rc 1 when one of them is unknown to dpkg: the others are still printed
    rc, out, err = module.run_command(["dpkg-query", "-W", "-f", "${Package}\t${db:Status-Abbrev}\t${Version}\n"] + names)
    for line in out.splitlines():
        fields = line.split("\t")
        if len(fields) == 3 and fields[1].startswith("ii"):
            versions[fields[0].split(":")[0]] = fields[2]
    return versions


def venv_distributions(venv):
    """Name -> version of every distribution installed in the virtualenv, from its dist-info metadata."""
    found = {}
    for metadata in glob.glob(os.path.join(venv, "lib", "python3*", "site-packages", "*.dist-info", "METADATA")):
        name = version = None
        with open(metadata, "rb") as lines:
            for line in lines:
                text = to_text(line, errors="surrogate_or_replace").rstrip("\r\n")
                if not text:
                    break   # the headers end at the first empty line
                if text.startswith("Name: "):
                    name = text[6:].strip()
                elif text.startswith("Version: "):
                    version = text[9:].strip()
        if name and version:
            found[normalized(name)] = version
    return found


def requirements_met(requirements, installed):
    try:
        from packaging.requirements import Requirement
    except ImportError:
        Requirement = None
    for text in requirements:
        if Requirement is not None:
            requirement = Requirement(text)
            version = installed.get(normalized(requirement.name))
            if version is None or not requirement.specifier.contains(version, prereleases=True):
                return False
        else:
            name = _REQUIREMENT_NAME.match(text)
            if not name or normalized(name.group(1)) not in installed or name.end() != len(text.rstrip()):
                return False
    return True


def program_version(module, command):
    # run_command fails the module on a missing program; a missing program has no version
    if not command or not module.get_bin_path(command[0]) and not os.access(command[0], os.X_OK):
        return None
    rc, out, err = module.run_command(command)
    return (first_version(out) if rc == 0 else None) or None


def unit_states(module, units):
    states = {}
    for unit in units:
        rc, active, err = module.run_command(["systemctl", "is-active", unit])
        rc, enabled, err = module.run_command(["systemctl", "is-enabled", unit])
        states[unit] = dict(active=active.strip() or "unknown", enabled=enabled.strip() or "not-found")
    return states


def file_contents(paths):
    contents = {}
    for path in paths:
        try:
            with open(path, "rb") as content:
                contents[path] = to_text(content.read(), errors="surrogate_or_strict")
        except (IOError, OSError):
            contents[path] = None
    return contents


def file_digests(paths):
    digests = {}
    for path in paths:
        digest = hashlib.sha256()
        try:
            with open(path, "rb") as content:
                for block in iter(lambda: content.read(65536), b""):
                    digest.update(block)
        except (IOError, OSError):
            digests[path] = None
        else:
            digests[path] = digest.hexdigest()
    return digests


def keyring_digests(paths):
    digests = {}
    for path in paths:
        try:
            with open(path, "rb") as content:
                keys = json.loads(to_text(content.read(), errors="surrogate_or_strict"))
        except (IOError, OSError):
            digests[path] = None
            continue
        except ValueError:
            keys = None
        if isinstance(keys, list) and keys and all(isinstance(key, str) for key in keys):
            digests[path] = hashlib.sha256("".join(key + "\n" for key in keys).encode("utf-8")).hexdigest()
        else:
            digests[path] = ""
    return digests


def certificate_ends(module, paths):
    ends = {}
    for path in paths:
        ends[path] = None
        if not os.path.isfile(path):
            continue
        rc, out, dummy = module.run_command(["openssl", "x509", "-noout", "-enddate", "-in", path])
        if rc == 0 and out.strip().startswith("notAfter="):
            try:
                # openssl prints e.g. "notAfter=Mar  8 10:15:00 2029 GMT"
                end = time.strptime(" ".join(out.strip()[len("notAfter="):].split()), "%b %d %H:%M:%S %Y GMT")
            except ValueError:
                continue
            ends[path] = time.strftime("%Y-%m-%dT%H:%M:%SZ", end)
    return ends


def link_targets(paths):
    return dict((path, os.readlink(path)) for path in paths if os.path.islink(path))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            deb_packages=dict(type="list", elements="str", default=[]),
            python_venv=dict(type="path"),
            python_requirements=dict(type="list", elements="str", default=[]),
            version_command=dict(type="list", elements="str"),
            systemd_units=dict(type="list", elements="str", default=[]),
            read_files=dict(type="list", elements="path", default=[]),
            digest_files=dict(type="list", elements="path", default=[]),
            keyring_files=dict(type="list", elements="path", default=[], no_log=False),
            certificate_files=dict(type="list", elements="path", default=[]),
        ),
        supports_check_mode=True,
    )
    params = module.params
    venv = params["python_venv"]
    distributions = venv_distributions(venv) if venv and os.path.isdir(venv) else {}
    try:
        met = bool(venv) and os.path.exists(os.path.join(venv, "bin", "python")) and \
            requirements_met(params["python_requirements"], distributions)
    except ValueError as error:   # packaging's InvalidRequirement
        module.fail_json(msg="python_requirements: %s" % error)
    module.exit_json(
        changed=False,
        deb_packages=deb_versions(module, params["deb_packages"]),
        python_distributions=distributions,
        python_requirements_met=met,
        version=program_version(module, params["version_command"]),
        systemd_units=unit_states(module, params["systemd_units"]),
        files=file_contents(params["read_files"]),
        digests=file_digests(params["digest_files"]),
        keyrings=keyring_digests(params["keyring_files"]),
        certificates=certificate_ends(module, params["certificate_files"]),
        links=link_targets(params["read_files"]),
    )


if __name__ == "__main__":
    main()
