"""Every plugin's DOCUMENTATION, EXAMPLES and RETURN (and every doc fragment's) is YAML: a `: ` in a
plain list item, the slip that broke ansible-doc four times, fails here in a second instead of in
ansible-test sanity minutes later."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import ast
import glob
import os

import pytest
import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FILES = sorted(glob.glob(os.path.join(REPO, "plugins", "**", "*.py"), recursive=True))
DOC_NAMES = ("DOCUMENTATION", "EXAMPLES", "RETURN")


def doc_strings(path):
    """(name, text) of each module-level or class-level doc string assignment in the file."""
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id in DOC_NAMES:
                    yield target.id, node.value.value


@pytest.mark.parametrize("path", FILES, ids=[os.path.relpath(path, REPO) for path in FILES])
def test_the_plugins_documentation_is_yaml(path):
    for name, text in doc_strings(path):
        try:
            yaml.safe_load(text)
        except yaml.YAMLError as error:
            pytest.fail("%s of %s is not YAML: %s" % (name, os.path.relpath(path, REPO), error))


def test_every_module_has_its_three_doc_strings():
    for path in glob.glob(os.path.join(REPO, "plugins", "modules", "*.py")):
        assert sorted(name for name, _text in doc_strings(path)) == sorted(DOC_NAMES), path
