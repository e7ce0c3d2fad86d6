"""What every benchmark shares: the repository's helpers on sys.path and one way to print a figure.

Each figure is printed next to its reference, measured in the same run, as a ratio, on one line:
    <figure>: <value> <unit> | <reference>: <value> <unit> | ratio <x>
"""

import math
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(REPO, "tests", "lab"), os.path.join(REPO, "tests", "integration")]


def report(figure, value, unit, reference, reference_value, reference_unit=None, digits=1):
    ratio = value / reference_value if reference_value else float("nan")
    print("%s: %.*f %s | %s: %.*f %s | ratio %.2f"
          % (figure, digits, value, unit, reference, digits, reference_value, reference_unit or unit, ratio),
          flush=True)


def percentile(values, fraction):
    """The nearest-rank percentile (p95 of 20 values is the 19th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def say(message):
    print("[bench] " + message, flush=True)
