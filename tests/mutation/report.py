"""Prints the score of a mutation run (tests/mutation.sh) and every mutant that was not killed.

Usage: report.py WORK [--diff]. The score is killed / (killed + survived + no tests + timeout-free
others): a mutant no test reaches counts against it like a survivor.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import collections
import os
import sys

KILLED = ("killed", "timeout", "caught by type check")


def main(work, show_diff):
    os.chdir(work)
    # mutmut reads the setup.cfg of the current folder on import
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.utils.file_utils import walk_mutatable_files
    from mutmut.stats import status_by_exit_code

    totals = collections.Counter()
    rows = []
    survivors = []
    for path in walk_mutatable_files():
        data = SourceFileMutationData(path=path)
        data.load()
        if not data.exit_code_by_key:
            continue
        counts = collections.Counter()
        for name, exit_code in sorted(data.exit_code_by_key.items()):
            status = status_by_exit_code[exit_code]
            counts["killed" if status in KILLED else status] += 1
            if status not in KILLED:
                survivors.append((str(path), name, status))
        totals.update(counts)
        rows.append((str(path).split("/consul_dns/", 1)[-1], counts))

    def score(counts):
        total = sum(counts.values())
        return 100.0 * counts["killed"] / total if total else 100.0

    print("%-52s %7s %7s %9s %7s" % ("file", "mutants", "killed", "survived", "score"))
    for path, counts in sorted(rows, key=lambda row: score(row[1])):
        total = sum(counts.values())
        print("%-52s %7d %7d %9d %6.1f%%" % (path, total, counts["killed"], total - counts["killed"], score(counts)))
    print()
    print("not killed (%d):" % len(survivors))
    for path, name, status in survivors:
        print("  %s  [%s]" % (name.split("consul_dns.", 1)[-1], status))
        if show_diff:
            diff = get_diff_for_mutant(name, path=path)
            print("".join("      " + line + "\n" for line in diff.splitlines()
                          if line[:1] in "+-" and line[:3] not in ("+++", "---")))
    print()
    print("mutation score: %.1f%% (%d of %d mutants killed; %s)" % (
        score(totals), totals["killed"], sum(totals.values()),
        ", ".join("%d %s" % (count, status) for status, count in sorted(totals.items()) if status != "killed")
        or "none left"))


if __name__ == "__main__":
    main(sys.argv[1], "--diff" in sys.argv[2:])
