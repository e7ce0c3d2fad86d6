"""A clock for the modules' waits (a helper module, not a conftest.py: the integration tests import
their own conftest by that name)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class FakeClock(object):
    """time.monotonic and time.sleep for the modules' waits: sleeping moves the clock."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds
