"""safe_path: the paths the roles write into systemd units, scripts and configuration files."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import string

import pytest
from hypothesis import given, strategies as st

from ansible_collections.discovery.consul_dns.plugins.module_utils.dns_names import PATH_MAX, is_safe_path
from ansible_collections.discovery.consul_dns.plugins.test import dns as dns_tests

SAFE_CHARACTERS = string.ascii_letters + string.digits + "._+@-"


@pytest.mark.parametrize("good", ["/usr/local/sbin/dnsmasq-consul-drain", "/etc/dnsmasq.d/discovery-consul-dns.conf",
                                  "/etc/consul.d", "/usr/bin/python3", "/var/lib/consul-dns-aliases", "/etc/a+b@c",
                                  "/" + "/".join(["a" * 255] * 15), "/..a", "/a..", "/.hidden"])
def test_plain_absolute_paths_pass(good):
    assert is_safe_path(good) and dns_tests.TestModule().tests()["safe_path"](good)


@pytest.mark.parametrize("bad", [
    "/usr/local/sbin/drain\nExecStartPre=/bin/sh -c id",     # a line of its own in a unit
    "/etc/x.conf\n", "/etc/x\n/y",                           # a trailing line break ('$' would take it)
    "/etc/x.nft; nft flush ruleset",                          # a second shell command
    "/etc/x y", "/etc/x\ty", "/etc/x\0y", "/etc/x\ry", "/etc/\x7fx", "/etc/\u2028x", "/etc/x\u00a0y",
    "/etc/%n.conf", "/etc/$HOME", "/etc/${x}", "/etc/x'y", '/etc/x"y', "/etc/x`id`", "/etc/x\\y", "/etc/x*",
    "/etc/x|y", "/etc/x>y", "/etc/x&y", "/etc/x(y)", "/etc/x,y", "/etc/x=y", "/etc/x:y", "/etc/~x", "/etc/é",
    "relative/path", "./x", "x", "", "/", "//etc/x", "/etc//x", "/etc/x/", "/etc/../shadow", "/etc/./x", "/..",
    "-/etc/x", "~/x", " /etc/x", "/" + "a" * 256, "/" + "/".join(["a" * 255] * 17),
    None, 5, ["/etc/x"], b"/etc/x",
])
def test_hostile_or_relative_paths_are_refused(bad):
    assert not is_safe_path(bad)


@given(st.lists(st.text(alphabet=SAFE_CHARACTERS, min_size=1, max_size=40).filter(lambda part: part not in (".", "..")),
                min_size=1, max_size=8))
def test_any_path_of_plain_components_passes(parts):
    assert is_safe_path("/" + "/".join(parts))


@given(st.text(alphabet=SAFE_CHARACTERS + "/", max_size=60), st.characters(blacklist_characters=SAFE_CHARACTERS + "/"),
       st.text(alphabet=SAFE_CHARACTERS + "/", max_size=60))
def test_one_character_outside_the_plain_set_anywhere_is_refused(before, hostile, after):
    assert not is_safe_path("/" + before + hostile + after)


@given(st.text(max_size=200))
def test_whatever_passes_is_absolute_plain_and_free_of_dot_components(value):
    if is_safe_path(value):
        assert value.startswith("/") and not value.endswith("/") and "//" not in value
        assert set(value) <= set(SAFE_CHARACTERS + "/")
        assert all(part not in ("", ".", "..") for part in value[1:].split("/"))


@given(st.integers(min_value=PATH_MAX + 1, max_value=PATH_MAX * 4))
def test_very_long_paths_are_refused(length):
    assert not is_safe_path("/" + "a" * (length - 1)) and len("/" + "a" * (length - 1)) == length
