"""check_definitions: the check types the options select, what is refused (naming the option), what a
definition holds as sent to Consul, the fingerprints stored in agents' Notes, and the secrets masked."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.discovery.consul_dns.plugins.module_utils import check_definitions as checks
from ansible_collections.discovery.consul_dns.plugins.module_utils.durations import DefinitionError


def check(**options):
    params = dict((k, spec.get("default")) for k, spec in checks.CHECK_OPTIONS.items())
    params.update(options)
    return params


def refused(where="checks[0]: ", **options):
    with pytest.raises(DefinitionError) as err:
        checks.normalize_check(check(**options), where=where)
    return str(err.value)


# check types -------------------------------------------------------------------------------------

def test_a_docker_check_runs_its_args_in_the_container():
    definition = checks.normalize_check(check(check_id="c", docker_container_id="f972c95ebf0e", args=["/bin/check"],
                                              shell="/bin/bash", interval="10s"))
    assert definition == {"CheckID": "c", "Name": "c", "DockerContainerID": "f972c95ebf0e", "Args": ["/bin/check"],
                          "Shell": "/bin/bash", "Interval": "10s"}
    assert checks.type_of_definition(definition) == "docker"


def test_a_script_check_is_args_alone():
    definition = checks.normalize_check(check(check_id="c", args=["/bin/true"], interval="10s", timeout="5s"))
    assert definition == {"CheckID": "c", "Name": "c", "Args": ["/bin/true"], "Interval": "10s", "Timeout": "5s"}
    assert checks.type_of_definition(definition) == "script"


def test_a_definition_of_no_type_has_an_empty_one():
    assert checks.type_of_definition({"CheckID": "c", "Name": "c"}) == ""


@pytest.mark.parametrize("options,given", [
    (dict(), "none"), (dict(tcp="a:1", http="http://a/", interval="10s"), "tcp, http"),
    (dict(ttl="5s", alias_node="n1"), "ttl, alias"),
])
def test_anything_but_one_check_type_is_refused_naming_those_given(options, given):
    assert refused(check_id="c", **options) == (
        "checks[0]: give exactly one check type: tcp, http, grpc, args (script), docker_container_id (with args), "
        "ttl or alias_service/alias_node (given: %s)" % given)


# what is refused ---------------------------------------------------------------------------------

def test_an_option_of_other_check_types_is_refused_naming_those_that_take_it():
    assert refused(check_id="c", ttl="5s", timeout="1s") == \
        "checks[0]: timeout is only valid for tcp and http and grpc and script checks, not ttl"
    assert refused(check_id="c", tcp="a:1", interval="10s", tls_skip_verify=True) == \
        "checks[0]: tls_skip_verify is only valid for http and grpc checks, not tcp"


def test_options_of_other_types_left_empty_are_no_error():
    definition = checks.normalize_check(check(check_id="c", ttl="5s", method="", header={}, tls_server_name="",
                                              timeout="", grpc_use_tls=False))
    assert definition == {"CheckID": "c", "Name": "c", "TTL": "5s"}


@pytest.mark.parametrize("options,message", [
    (dict(ttl="5s"), "ttl checks (the service reports through the TTL endpoint)"),
    (dict(alias_service="web"), "alias checks (it follows another check)"),
])
def test_an_interval_on_a_check_that_runs_none_is_refused_with_why(options, message):
    assert refused(check_id="c", interval="10s", **options) == "checks[0]: interval cannot be used with " + message


@pytest.mark.parametrize("option", ["success_before_passing", "failures_before_critical"])
def test_negative_thresholds_are_refused_naming_the_option(option):
    assert refused(check_id="c", tcp="a:1", interval="10s", **{option: -1}) == \
        "checks[0]: %s must be 0 or more, got -1" % option


def test_zero_durations_are_refused_and_the_shortest_positive_taken():
    assert refused(check_id="c", tcp="a:1", interval="10s", timeout="0s") == \
        "checks[0]: timeout must be longer than 0, got '0s'"
    assert checks.normalize_check(check(check_id="c", tcp="a:1", interval="10s", timeout="1ns"))["Timeout"] == "1ns"


def test_a_sub_second_interval_is_refused_with_what_consul_would_do():
    assert refused(check_id="c", tcp="a:1", interval="500ms") == \
        "checks[0]: interval must be at least 1s, got '500ms' (Consul silently raises shorter intervals to 1s)"


def test_a_duration_that_is_none_is_refused_naming_check_and_option():
    assert refused(where="checks[1]: ", check_id="c", tcp="a:1", interval="10s", timeout="soon").startswith(
        "checks[1]: timeout: 'soon' is not a duration")


def test_a_check_without_id_or_name_is_refused():
    assert refused(tcp="a:1", interval="10s") == "checks[0]: check_id or name is required"


def test_messages_of_a_lone_check_start_with_the_option():
    with pytest.raises(DefinitionError) as err:
        checks.normalize_check(check(check_id="c", tcp="a:1"))
    assert str(err.value) == "interval is required for tcp checks"


# the definition sent -----------------------------------------------------------------------------

def test_every_duration_is_normalised_whichever_are_unset():
    definition = checks.normalize_check(check(check_id="c", ttl="60s", deregister_critical_service_after="90m"),
                                        service_bound=True)
    assert definition == {"CheckID": "c", "Name": "c", "TTL": "1m0s", "DeregisterCriticalServiceAfter": "1h30m0s"}


def test_set_flags_and_thresholds_are_sent_and_empty_ones_left_out():
    definition = checks.normalize_check(check(check_id="c", http="https://a/", interval="10s", tls_skip_verify=True,
                                              success_before_passing=1, failures_before_critical=3, method=""))
    assert definition == {"CheckID": "c", "Name": "c", "HTTP": "https://a/", "Interval": "10s", "TLSSkipVerify": True,
                          "SuccessBeforePassing": 1, "FailuresBeforeCritical": 3}


@pytest.mark.parametrize("options,expected", [
    (dict(check_id="c", name="Web health"), ("c", "Web health")),
    (dict(name="Web health"), ("service:web", "Web health")),   # Consul's own ID for a service's check
    (dict(check_id="c"), ("c", "Service 'web' check")),
    (dict(), ("service:web", "Service 'web' check")),
])
def test_id_and_name_given_win_over_the_defaults(options, expected):
    definition = checks.normalize_check(check(ttl="5s", **options), default_id="service:web",
                                        default_name="Service 'web' check")
    assert (definition["CheckID"], definition["Name"]) == expected


def test_a_standalone_check_named_only_has_its_name_as_id():
    definition = checks.normalize_check(check(ttl="5s", name="Web health"))
    assert (definition["CheckID"], definition["Name"]) == ("Web health", "Web health")


# fingerprints ------------------------------------------------------------------------------------

TCP = {"CheckID": "c", "Name": "c", "TCP": "a:1", "Interval": "10s"}
HTTP = dict(TCP, HTTP="http://a/", Header={"A": ["1"], "B": ["2"]}, Body="b", ServiceID="web")


def test_fingerprints_stay_those_earlier_releases_stored():
    """Agents keep the fingerprints earlier runs wrote in Notes: another way of computing them would
    register every check again after an upgrade."""
    assert checks.fingerprint(TCP) == "327e08ae6cc063d5"
    assert checks.fingerprint(dict(TCP, ServiceID="web"), "token-a") == "7e46e6136b829e4d"
    assert checks.fingerprint(HTTP, "token-a") == "a6a6870f7f17fcf4"
    assert checks.fingerprint(HTTP) == "156b784bc21c095e"
    # a standalone check (consul_check without service_id) under a token
    assert checks.fingerprint(TCP, "token-a") == "65018f25090b6c5c"
    assert checks.fingerprint(dict((k, v) for k, v in HTTP.items() if k != "ServiceID"), "token-a") == "9e2ea49e1431ba06"


def test_the_order_headers_are_given_in_changes_no_fingerprint():
    reordered = dict(HTTP, Header={"B": ["2"], "A": ["1"]})
    assert checks.fingerprint(reordered, "token-a") == checks.fingerprint(HTTP, "token-a")
    assert checks.fingerprint(dict(reversed(list(TCP.items())))) == checks.fingerprint(TCP)


def test_a_keyed_fingerprint_differs_by_service_as_the_agent_keeps_them_apart():
    assert checks.fingerprint(dict(TCP, ServiceID="web"), "token-a") != checks.fingerprint(dict(TCP, ServiceID="api"), "token-a")
    assert checks.fingerprint(dict(TCP, ServiceID="web"), "token-a") != checks.fingerprint(TCP, "token-a")
    assert checks.fingerprint(HTTP, "token-a") != checks.fingerprint(dict(HTTP, ServiceID="api"), "token-a")
    assert checks.fingerprint(HTTP, "token-a") != checks.fingerprint(HTTP)


def test_owned_fingerprints_default_to_a_service_check_of_no_token():
    assert checks.owned_fingerprint(TCP) == checks.fingerprint(TCP) == "327e08ae6cc063d5"
    assert checks.owned_fingerprint(TCP, standalone=True) == "check:327e08ae6cc063d5"
    assert checks.comparable_check(TCP)["Fingerprint"] == "327e08ae6cc063d5"


def test_with_fingerprint_appends_the_marker_to_notes():
    assert checks.with_fingerprint(TCP)["Notes"] == "[consul_dns:327e08ae6cc063d5]"
    assert checks.with_fingerprint(dict(TCP, Notes="why"), standalone=True)["Notes"] == \
        "why\n[consul_dns:check:%s]" % checks.fingerprint(dict(TCP, Notes="why"))


def test_the_comparable_views_of_a_service_check():
    desired = checks.comparable_check(dict(TCP, ServiceID="web", Notes="why"), standalone=True)
    assert desired == {"CheckID": "c", "Name": "c", "Type": "tcp", "ServiceID": "web", "Notes": "why",
                       "Fingerprint": checks.owned_fingerprint(dict(TCP, ServiceID="web", Notes="why"), True)}
    assert checks.comparable_observed_check({"CheckID": "c"}) == {
        "CheckID": "c", "Name": "", "Type": "", "ServiceID": "", "Notes": "", "Fingerprint": None}


def test_only_checks_marked_standalone_are_standalone():
    assert checks.is_standalone({"Notes": "x\n[consul_dns:check:0123456789abcdef]"})
    for notes in ("[consul_dns:0123456789abcdef]", "check:", None, "[consul_dns:check:0123456789abcdef] later"):
        assert not checks.is_standalone({"Notes": notes})


# secrets -----------------------------------------------------------------------------------------

def test_secrets_are_masked_in_results():
    assert checks.without_secrets(HTTP) == dict(HTTP, Header={"A": ["********"], "B": ["********"]}, Body="********")
    assert checks.without_secrets(TCP) == TCP


def test_raw_secrets_are_found_at_any_depth_as_text_and_as_logged():
    params = {"services": [{"name": "web", "checks": [
        {"header": {"Authorization": ["Bearer a\nb"], "X-Bytes": b"\xffkey", "X-Flag": True, "X-None": None,
                    "X-Port": 8080}, "body": "", "tcp": "a:1"}]}], "body": ("s1", ["s2"])}
    assert checks.raw_secret_values(params) == {
        "Bearer a\nb", "Bearer a\\nb", u"\ufffdkey", "8080", "s1", "s2"}
