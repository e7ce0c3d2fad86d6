"""The consul role's apt pin (templates/apt.preferences.j2): only the consul package comes from the
repository it adds, except where that repository's suite is the host's own release, whose packages
the pin must not take away (a Debian 11 host installing Consul from bullseye)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

import jinja2
import pytest

TEMPLATE = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, os.pardir,
                        "roles", "consul", "templates", "apt.preferences.j2")


def pins(host_release, suite="bullseye"):
    """The rendered file's stanzas, comments left out, as (package, pin, priority)."""
    with open(TEMPLATE, encoding="utf-8") as handle:
        # ansible's template settings
        template = jinja2.Environment(trim_blocks=True, undefined=jinja2.StrictUndefined).from_string(handle.read())
    facts = {"distribution_release": host_release} if host_release is not None else {}
    rendered = template.render(ansible_managed="managed", consul_apt_repository_suite=suite,
                               consul_package_name="consul", ansible_facts=facts)
    stanzas = []
    for block in rendered.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if line and not line.startswith("#"))
        if fields:
            stanzas.append((fields["Package"], fields["Pin"], int(fields["Pin-Priority"])))
    return stanzas


@pytest.mark.parametrize("host_release", ["bookworm", "trixie", None], ids=["debian12", "debian13", "no-facts"])
def test_on_another_release_only_consul_comes_from_the_suite(host_release):
    assert pins(host_release) == [("*", "release n=bullseye", -1), ("consul", "release n=bullseye", 500)]


def test_on_the_suites_own_release_the_hosts_packages_keep_their_priority():
    assert pins("bullseye") == [("consul", "release n=bullseye", 500)]
    assert pins("trixie", suite="trixie") == [("consul", "release n=trixie", 500)]
