"""Writes mutmut's setup.cfg and a pytest.ini into the mutation work folder (tests/mutation.sh).

Usage: config.py WORK COLLECTION [COLLECTION/plugins/file.py ...]
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import sys

# the real-agent tests of the modules, the lookup and the inventory plugin (tests/integration/harness.py
# starts Consul 1.8.7 on loopback); the lab, molecule, sanity and ecosystem tests are not mutation targets
AGENT_TESTS = (
    "test_acl_bootstrap_module.py", "test_acl_modules.py", "test_block_endpoints_module.py",
    "test_check_module.py", "test_inventory_plugin.py", "test_lookup.py", "test_maintenance_module.py",
    "test_module_diffs.py", "test_prepared_query_module.py", "test_service_modules.py",
)

# tests that read the plugins' files rather than run them: mutmut's copy differs by construction
NOT_FOR_MUTANTS = (
    # the code map lists the files of plugins/, where mutmut leaves its .meta files
    "tests/unit/test_docs_code_map.py",
    # compares the alias handler's copy of the address parser with the collection's source text
    "tests/unit/roles/test_alias_watch.py::test_the_handlers_address_parser_is_the_collections",
)


def agent_tests(root, only):
    """The real-agent test files that name one of the plugins mutated (all of them for all of plugins/):
    mutmut runs every selected test once to learn which reach which function."""
    if not only:
        return AGENT_TESTS
    names = [os.path.splitext(os.path.basename(path))[0] for path in only]
    chosen = []
    for test in AGENT_TESTS:
        with open(os.path.join(root, "tests", "integration", test)) as handle:
            text = handle.read()
        if any(name in text for name in names):
            chosen.append(test)
    return tuple(chosen)


def lines(values):
    return "".join("\n    %s" % value for value in values)


def main(work, collection, only):
    root = os.path.join(work, collection)
    tests = [collection + "/tests/unit"]
    if os.environ.get("MUTATION_TESTS", "unit,agent") != "unit":
        tests += [collection + "/tests/integration/" + name for name in agent_tests(root, only)]
    # everything of the collection but plugins/ (the tests read roles/, docs/, meta/ ...)
    also_copy = [collection + "/" + entry for entry in sorted(os.listdir(root)) if entry != "plugins"]
    also_copy.append("pytest.ini")
    with open(os.path.join(work, "setup.cfg"), "w") as config:
        config.write("[mutmut]\nsource_paths =%s\n" % lines([collection + "/plugins"]))
        config.write("also_copy =%s\n" % lines(also_copy))
        config.write("pytest_add_cli_args_test_selection =%s\n" % lines(tests))
        # tests/mutation/site/mutation_hits.py: what a test's subprocesses (ansible-playbook, a module)
        # reached counts for that test
        config.write("pytest_add_cli_args =%s\n" % lines(
            ["-p", "no:xdist", "-p", "mutation_hits"] + ["--deselect=%s/%s" % (collection, test) for test in NOT_FOR_MUTANTS]))
        # documentation fragments hold no code; the plugins' DOCUMENTATION strings are not in functions
        config.write("do_not_mutate =%s\n" % lines([collection + "/plugins/doc_fragments/*"]))
        if only:
            config.write("only_mutate =%s\n" % lines(only))
    # the collection's own pytest.ini names paths relative to the checkout; mutmut runs pytest with
    # --rootdir at the work folder's copy
    os.remove(os.path.join(root, "pytest.ini"))
    with open(os.path.join(work, "pytest.ini"), "w") as ini:
        ini.write("[pytest]\npythonpath =%s\naddopts = -p no:cacheprovider\nmarkers =\n    slow: a few seconds or more\n" % lines(
            [collection + "/tests/integration", collection + "/tests/lab", collection + "/tests/mutation/site"]))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
