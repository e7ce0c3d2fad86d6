# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/architecture.md's code map agrees with the files, and the docs stand on the repository alone.

The rule of the map: every file under plugins/, roles/ and playbooks/ (Python caches left out) is
named in docs/architecture.md by its path from the repository root, in backquotes
(`roles/consul/tasks/acl.yml`); and every backquoted path there that starts with a top-level
folder of the repository (plugins/, roles/, docs/, tests/ ...) names a file or folder that exists.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import io
import os
import re

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
ARCHITECTURE = os.path.join(REPO, "docs", "architecture.md")
MAPPED = ("plugins", "roles", "playbooks")
IGNORED_DIRS = ("__pycache__",)
IGNORED_SUFFIXES = (".pyc", ".pyo")

# `...` without spaces or backquotes inside
CODE_SPAN = re.compile(r"`([^`\s]+)`")


def files_under(folder):
    found = []
    for root, dirs, files in os.walk(os.path.join(REPO, folder)):
        dirs[:] = [d for d in dirs if d not in IGNORED_DIRS and not d.startswith(".")]
        for name in files:
            if name.startswith(".") or name.endswith(IGNORED_SUFFIXES):
                continue
            found.append(os.path.relpath(os.path.join(root, name), REPO).replace(os.sep, "/"))
    return found


def named_paths(text):
    """Backquoted paths that start with a top-level folder of the repository."""
    top = set(name + "/" for name in os.listdir(REPO)
              if os.path.isdir(os.path.join(REPO, name)) and not name.startswith("."))
    return set(span.rstrip("/") if span.endswith("/") and span != "/" else span
               for span in CODE_SPAN.findall(text)
               if any(span.startswith(folder) for folder in top))


def architecture():
    with io.open(ARCHITECTURE, encoding="utf-8") as handle:
        return handle.read()


def test_every_file_of_plugins_roles_and_playbooks_is_in_the_code_map():
    named = named_paths(architecture())
    missing = sorted(path for folder in MAPPED for path in files_under(folder) if path not in named)
    assert missing == [], "docs/architecture.md's code map does not name: %s" % ", ".join(missing)


def test_every_path_the_architecture_names_exists():
    gone = sorted(path for path in named_paths(architecture())
                  if not os.path.exists(os.path.join(REPO, *path.split("/"))))
    assert gone == [], "docs/architecture.md names paths that do not exist: %s" % ", ".join(gone)


def test_the_rule_finds_what_it_should():
    """The map's rule on a sample: root-relative backquoted paths count, folders keep no slash."""
    sample = "`roles/consul/tasks/acl.yml` and `plugins/filter/` but not acl.yml or `consul_agent`"
    assert named_paths(sample) == {"roles/consul/tasks/acl.yml", "plugins/filter"}


def docs_and_readmes():
    paths = [os.path.join(REPO, "README.md")]
    paths += [os.path.join(REPO, "docs", name) for name in sorted(os.listdir(os.path.join(REPO, "docs")))
              if name.endswith(".md")]
    paths += [os.path.join(REPO, "roles", role, "README.md") for role in sorted(os.listdir(os.path.join(REPO, "roles")))
              if os.path.isfile(os.path.join(REPO, "roles", role, "README.md"))]
    return paths


def test_no_doc_points_outside_the_repository():
    """The docs stand on the repository alone: no sibling folders, no paths of one machine."""
    outside = re.compile(r"\.\./shared|/work/|shared notes|project's notes|lab notes")
    found = []
    for path in docs_and_readmes():
        with io.open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if outside.search(line):
                    found.append("%s:%d: %s" % (os.path.relpath(path, REPO), number, line.strip()))
    assert found == [], "\n".join(found)
