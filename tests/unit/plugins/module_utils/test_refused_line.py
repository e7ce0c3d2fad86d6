"""The line a validator refused, quoted by config_files in its error (not for a secret)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.discovery.consul_dns.plugins.module_utils.refused_line import refused_line

CONFIG = "port=53\nno-such-option\ncache-size=10000\n"


def test_the_line_dnsmasq_names_is_quoted():
    message = "failed to validate: rc:1 error:dnsmasq: bad option at line 2 of /root/.ansible/tmp/x/source\n"
    assert refused_line(message, CONFIG) == "line 2: 'no-such-option'"


def test_quotes_in_the_line_are_kept_readable():
    assert refused_line("bad port at line 1 of f", "server=/x/1.2.3.4#'99'\r") == "line 1: \"server=/x/1.2.3.4#'99'\""


def test_nothing_when_no_line_is_named_or_it_is_out_of_range():
    assert refused_line("dnsmasq: cannot read /etc/x", CONFIG) == ""
    assert refused_line("bad option at line 9 of f", CONFIG) == ""
    assert refused_line("bad option at line 0 of f", CONFIG) == ""
