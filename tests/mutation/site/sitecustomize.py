"""In the subprocesses of a mutation test run (tests/mutation.sh): which mutated functions they reach.

mutmut records, per test, the functions a test reached in its own process; ansible-playbook and the
modules it runs are other processes. While mutmut collects (MUTANT_UNDER_TEST=stats), each reached
function is appended to a file of MUTATION_HITS_DIR, which tests/mutation/site/mutation_hits.py hands
to mutmut after each test.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os


def _record_to_file():
    directory = os.environ.get("MUTATION_HITS_DIR")
    if os.environ.get("MUTANT_UNDER_TEST") != "stats" or not directory:
        return
    try:
        from mutmut.mutation import trampoline
    except ImportError:
        return
    seen = set()

    def record(name, caller=None):
        if name not in seen:
            seen.add(name)
            with open(os.path.join(directory, "%d.hits" % os.getpid()), "a") as hits:
                hits.write(name + "\n")

    # pytest's own process has imported this before mutmut set MUTANT_UNDER_TEST, so only the
    # subprocesses get here
    trampoline.record_trampoline_hit = record


_record_to_file()
