"""The gossip key test (consul role's validate step, consul_keyring's option) on any text: yes exactly
for standard base64 of 16, 24 or 32 bytes, which is what Consul takes."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import subprocess

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_settings import is_gossip_key
from harness import CONSUL_BIN


def model(value):
    """What Consul takes, by the standard library's strict decoder and an exact round trip."""
    if not isinstance(value, str) or not value.isascii():
        return False
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError:
        return False
    return len(raw) in (16, 24, 32) and base64.b64encode(raw).decode() == value


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.binary(min_size=0, max_size=40).map(lambda raw: base64.b64encode(raw).decode()),
                 st.text(max_size=50), st.binary(max_size=32).map(lambda raw: base64.urlsafe_b64encode(raw).decode()),
                 st.tuples(st.binary(min_size=32, max_size=32), st.sampled_from([" ", "\n", "\t", "\u00a0", "=", ""]))
                 .map(lambda pair: base64.b64encode(pair[0]).decode() + pair[1])))
def test_a_gossip_key_is_exactly_standard_base64_of_16_24_or_32_bytes(value):
    assert is_gossip_key(value) is model(value)


@given(st.binary(min_size=32, max_size=32))
def test_every_key_of_32_bytes_is_taken_whatever_its_bytes(raw):
    """The check it replaces measured the decoded text's length, which refused most real keys."""
    assert is_gossip_key(base64.b64encode(raw).decode())


def test_what_consul_keygen_prints_is_taken_and_non_strings_are_not():
    assert is_gossip_key(subprocess.run([CONSUL_BIN, "keygen"], capture_output=True, text=True, check=True).stdout.strip())
    assert not any(is_gossip_key(value) for value in (None, 32, b"a" * 44, ["x"]))
