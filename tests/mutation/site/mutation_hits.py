"""pytest plugin of the mutation run: hands mutmut the functions a test's subprocesses reached.

See sitecustomize.py beside it; runs before mutmut's own teardown hook, which files the reached
functions under the test that ends.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import glob
import os

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    directory = os.environ.get("MUTATION_HITS_DIR")
    if os.environ.get("MUTANT_UNDER_TEST") != "stats" or not directory:
        return
    from mutmut.state import state
    for path in glob.glob(os.path.join(directory, "*.hits")):
        with open(path) as hits:
            state()._stats.update(line.strip() for line in hits if line.strip())
        os.remove(path)
