from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError
from hypothesis import given, strategies as st

from ansible_collections.discovery.consul_dns.plugins.filter.tls_migration import STAGES, FilterModule, tls_migration

PLAIN = 'datacenter = "bj"\nserver = true\n'
TLS = 'ca_file = "/etc/consul.d/tls/ca.pem"\ncert_file = "/etc/consul.d/tls/agent.pem"\nkey_file = "/etc/consul.d/tls/agent-key.pem"\n'


def hcl(incoming=None, outgoing=None, certificates=True):
    text = PLAIN + (TLS if certificates else "")
    if incoming is not None:
        text += "verify_incoming_rpc = %s\n" % incoming
    if outgoing is not None:
        text += "verify_outgoing = %s\n" % outgoing
    return text + "verify_server_hostname = true\n"


@pytest.mark.parametrize("text, stage", [
    (PLAIN, "plain"),
    (hcl("true", "true", certificates=False), "plain"),      # verify lines without certificates: no TLS at all
    (hcl("false", "false"), "accept"),
    (hcl(), "accept"),
    (hcl("false", "true"), "send"),
    (hcl("true", "true"), "enforce"),
    (hcl("true", "false"), "enforce"),                        # requires TLS: whatever it sends, plain agents are cut off
])
def test_the_running_stage_is_read_from_the_roles_lines(text, stage):
    assert tls_migration(text, "enforce")["running"] == stage


def test_only_whole_lines_at_the_start_count():
    assert tls_migration(PLAIN + '  cert_file = "x"\n# cert_file = "x"\nxcert_file = "x"\n', "plain")["running"] == "plain"
    assert tls_migration(hcl("true ", "true"), "plain")["running"] == "enforce"   # trailing blanks
    assert tls_migration(hcl('"true"', "true"), "plain")["running"] == "send"     # not the role's spelling: not required


@pytest.mark.parametrize("running, wanted, steps", [
    ("plain", "enforce", ["accept", "send"]),
    ("accept", "enforce", ["send"]),
    ("send", "enforce", []),
    ("enforce", "enforce", []),
    ("enforce", "plain", ["send", "accept"]),
    ("send", "plain", ["accept"]),
    ("accept", "plain", []),
    ("plain", "plain", []),
])
def test_the_steps_are_the_stages_between_in_the_order_to_take_them(running, wanted, steps):
    text = {"plain": PLAIN, "accept": hcl("false", "false"), "send": hcl("false", "true"), "enforce": hcl("true", "true")}[running]
    assert tls_migration(text, wanted) == {"running": running, "steps": steps}


def test_an_agent_that_does_not_run_has_nothing_to_move():
    assert tls_migration(None, "enforce") == {"running": "enforce", "steps": []}
    assert tls_migration(None, "plain") == {"running": "plain", "steps": []}


def test_a_wanted_stage_that_is_none_is_refused_naming_it():
    with pytest.raises(AnsibleFilterError, match="wanted must be one of plain, accept, send, enforce, not 'on'"):
        tls_migration(PLAIN, "on")


def test_an_input_that_is_not_text_is_refused():
    with pytest.raises(AnsibleFilterError, match="not dict"):
        tls_migration({}, "enforce")


def test_the_filter_is_published_under_its_name():
    assert FilterModule().filters()["tls_migration"] is tls_migration


@given(st.text(), st.sampled_from(STAGES))
def test_any_text_gives_a_stage_and_a_walk_of_neighbours_to_the_wanted_one(text, wanted):
    result = tls_migration(text, wanted)
    assert result["running"] in STAGES
    walk = [result["running"]] + result["steps"] + [wanted]
    if result["running"] == wanted:
        assert result["steps"] == []
    else:
        # every move is to a neighbouring stage, always towards the wanted one
        positions = [STAGES.index(stage) for stage in walk]
        direction = 1 if positions[-1] > positions[0] else -1
        assert all(later - earlier == direction for earlier, later in zip(positions, positions[1:])), walk


@given(st.lists(st.sampled_from(["ca_file", "cert_file", "key_file", "verify_incoming_rpc", "verify_outgoing", "x"]), max_size=6),
       st.lists(st.sampled_from(["true", "false", '"/p"', "1"]), min_size=6, max_size=6))
def test_tls_is_required_only_with_certificates_and_the_roles_true(keys, values):
    text = "".join("%s = %s\n" % (key, value) for key, value in zip(keys, values))
    running = tls_migration(text, "enforce")["running"]
    settings = dict(zip(keys, values))   # the last of a repeated key wins, as for the parser
    if "cert_file" not in keys:
        assert running == "plain"
    elif settings.get("verify_incoming_rpc") == "true":
        assert running == "enforce"
    else:
        assert running == ("send" if settings.get("verify_outgoing") == "true" else "accept")
