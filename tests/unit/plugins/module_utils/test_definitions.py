from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.discovery.consul_dns.plugins.module_utils import check_definitions as checks
from ansible_collections.discovery.consul_dns.plugins.module_utils import durations
from ansible_collections.discovery.consul_dns.plugins.module_utils import service_definitions as services


@pytest.mark.parametrize("text,ns", [
    ("1s", 10 ** 9), ("60s", 60 * 10 ** 9), ("1m0s", 60 * 10 ** 9), ("1m30s", 90 * 10 ** 9), ("1500ms", 1500 * 10 ** 6),
    ("1.5s", 1500 * 10 ** 6), (".5s", 500 * 10 ** 6), ("2h", 7200 * 10 ** 9), ("10us", 10 ** 4), (u"10\u00b5s", 10 ** 4),
    ("0", 0),
])
def test_parse_duration(text, ns):
    assert durations.parse_duration(text, "interval") == ns


@pytest.mark.parametrize("bad", ["", "10", "1x", "s", "1s2", "ten", "-", True, None, 1.5])
def test_parse_duration_refuses(bad):
    with pytest.raises(durations.DefinitionError) as err:
        durations.parse_duration(bad, "interval")
    assert str(err.value).startswith("interval: ")


@pytest.mark.parametrize("ns,text", [
    (0, "0s"), (10 ** 9, "1s"), (60 * 10 ** 9, "1m0s"), (3600 * 10 ** 9, "1h0m0s"), (1500 * 10 ** 6, "1.5s"),
    (500 * 10 ** 6, "500ms"), (90 * 10 ** 9, "1m30s"), (1, "1ns"), (1500, "1.5us"),
])
def test_format_duration_is_gos(ns, text):
    assert durations.format_duration(ns) == text


def check(**options):
    params = dict((k, spec.get("default")) for k, spec in checks.CHECK_OPTIONS.items())
    params.update(options)
    return params


def test_equivalent_definitions_share_a_fingerprint():
    one = checks.normalize_check(check(check_id="c", tcp="a:1", interval="60s", timeout="1000ms"))
    two = checks.normalize_check(check(check_id="c", tcp="a:1", interval="1m", timeout="1s"))
    assert one == two == {"CheckID": "c", "Name": "c", "TCP": "a:1", "Interval": "1m0s", "Timeout": "1s"}
    assert checks.fingerprint(one) == checks.fingerprint(two)
    three = checks.normalize_check(check(check_id="c", tcp="a:1", interval="2m", timeout="1s"))
    assert checks.fingerprint(three) != checks.fingerprint(one)


def test_http_options_are_normalised():
    definition = checks.normalize_check(check(name="h", http="http://x/", interval="5s", method="post",
                                              header={"A": "1", "B": ["2", "3"]}))
    assert definition["Method"] == "POST"
    assert definition["Header"] == {"A": ["1"], "B": ["2", "3"]}


@pytest.mark.parametrize("options,message", [
    (dict(tcp="a:1", http="http://a/", interval="1s"), "exactly one check type"),
    (dict(ttl="1s", interval="1s"), "interval cannot be used with ttl"),
    (dict(grpc="a:1"), "interval is required for grpc"),
    (dict(ttl="5s", method="GET"), "method is only valid for http"),
    (dict(tcp="a:1", interval="1s", shell="/bin/sh"), "shell is only valid for docker"),
    (dict(docker_container_id="c", interval="1s"), "docker check needs args"),
    (dict(tcp="a:1", interval="0.5s"), "interval must be at least 1s"),
    (dict(tcp="a:1", interval="1s", deregister_critical_service_after="1m"), "needs a check bound to a service"),
])
def test_invalid_check_combinations(options, message):
    with pytest.raises(durations.DefinitionError) as err:
        checks.normalize_check(check(check_id="c", **options), where="checks[2]: ")
    assert message in str(err.value)
    assert str(err.value).startswith("checks[2]: ")


def test_notes_marker_round_trip():
    definition = checks.normalize_check(check(check_id="c", ttl="5s", notes="line one\nline two"))
    sent = checks.with_fingerprint(definition, standalone=True)
    notes, token = checks.split_notes(sent["Notes"])
    assert notes == "line one\nline two"
    assert token == "check:" + checks.fingerprint(definition)
    assert checks.split_notes("someone else's notes") == ("someone else's notes", None)
    assert checks.split_notes(None) == ("", None)


def service(**options):
    params = dict((k, spec.get("default")) for k, spec in services.SERVICE_OPTIONS.items())
    params.update(options)
    return params


def test_service_defaults_match_what_consul_fills_in():
    registration = services.normalize_service(service(name="web", checks=[dict(tcp="a:1", interval="1s")]))
    assert registration["Checks"][0]["CheckID"] == "service:web"
    assert registration["Checks"][0]["Name"] == "Service 'web' check"
    agent_service = {"ID": "web", "Service": "web", "Tags": [], "Meta": {}, "Port": 0, "Address": "",
                     "Weights": {"Passing": 1, "Warning": 1}, "EnableTagOverride": False, "ContentHash": "x"}
    agent_checks = {"service:web": {"CheckID": "service:web", "Name": "Service 'web' check", "Type": "tcp",
                                    "ServiceID": "web", "Notes": checks.with_fingerprint(registration["Checks"][0])["Notes"]}}
    assert services.comparable_observed_service(agent_service, agent_checks) == services.comparable_service(registration)


def test_several_checks_get_numbered_ids_and_standalone_checks_are_not_owned():
    registration = services.normalize_service(service(name="web", checks=[dict(ttl="5s"), dict(ttl="9s")]))
    assert [c["CheckID"] for c in registration["Checks"]] == ["service:web:1", "service:web:2"]
    standalone = {"CheckID": "extra", "ServiceID": "web", "Notes": "[consul_dns:check:0123456789abcdef]"}
    inline = {"CheckID": "service:web:3", "ServiceID": "web", "Notes": "[consul_dns:0123456789abcdef]"}
    assert checks.is_standalone(standalone) and not checks.is_standalone(inline)
    observed = services.comparable_observed_service({"ID": "web", "Service": "web"}, {"extra": standalone, "service:web:3": inline})
    assert [c["CheckID"] for c in observed["Checks"]] == ["service:web:3"]
    assert services.dropped_check_ids(observed, services.comparable_service(registration)) == ["service:web:3"]


def test_set_marker_and_meta_rules():
    assert services.normalize_service(service(name="a"), set_name="s1")["Meta"] == {"consul_dns_set": "s1"}
    with pytest.raises(durations.DefinitionError, match="reserved"):
        services.normalize_service(service(name="a", meta={"consul_dns_set": "x"}))
    with pytest.raises(durations.DefinitionError, match="'consul-x' is invalid"):
        services.normalize_service(service(name="a", meta={"consul-x": "1"}))
    with pytest.raises(durations.DefinitionError, match="is invalid"):
        services.normalize_service(service(name="a", meta={"k\n": "1"}))   # $ would match before the newline
    with pytest.raises(durations.DefinitionError, match="512"):
        services.normalize_service(service(name="a", meta={"k": "v" * 513}))
    assert services.normalize_service(service(name="a", meta={"n": 5}))["Meta"] == {"n": "5"}


def test_a_registration_under_another_token_is_a_change():
    """The agent syncs a service with the token it was registered with: a new token means a new
    registration. The digest in Meta is the same for the same token and tells nothing of it."""
    registration = services.normalize_service(service(name="web"))
    old, new = (services.comparable_service(registration, key=token) for token in ("token-a", "token-b"))
    assert old != new and old == services.comparable_service(registration, key="token-a")
    assert services.service_to_send(registration, key="token-a")["Meta"] == old["Meta"]
    assert "token-a" not in str(old) and set(old["Meta"]) == {"consul_dns_token"}
    assert services.comparable_service(registration)["Meta"] == {}
    with pytest.raises(durations.DefinitionError, match="consul_dns_token is reserved"):
        services.normalize_service(service(name="a", meta={"consul_dns_token": "x"}))


def test_validate_options_names_the_element():
    with pytest.raises(durations.DefinitionError) as err:
        services.validate_options(checks.CHECK_OPTIONS, {"tcp": "a:1", "colour": "red"}, "services[3]: checks[0]: ")
    assert str(err.value).startswith("services[3]: checks[0]: ") and "colour" in str(err.value)


@pytest.mark.parametrize("params,named", [
    (dict(name="web\naddress=/login.example/6.6.6.6"), "name 'web\\naddress=/login.example/6.6.6.6' is not a DNS label"),
    (dict(name="web", id="web 01"), "id 'web 01' is not a DNS label"),
    (dict(name="web", tags=["ok", "v1.2"]), "tags[1] 'v1.2' is not a DNS label"),
    (dict(name="web", address="6.6.6.6 www.bank.example\n6.6.6.7"),
     "address '6.6.6.6 www.bank.example\\n6.6.6.7' is neither an IP address nor a DNS name"),
    (dict(name="web", address="fe80::1%x\n6.6.6.6 www.bank.example"),
     "address 'fe80::1%x\\n6.6.6.6 www.bank.example' is neither an IP address nor a DNS name"),
    (dict(name="web", address="10.0.0.1\n"), "address '10.0.0.1\\n' is neither"),
    (dict(name="web", address="010.1.1.1"), "address '010.1.1.1' is neither"),
    (dict(name="web", address="web\n"), "address 'web\\n' is neither"),
])
def test_what_dns_cannot_serve_is_refused_naming_the_option(params, named):
    with pytest.raises(durations.DefinitionError) as err:
        services.normalize_service(params, "services[0]: ")
    assert str(err.value).startswith("services[0]: " + named)


@pytest.mark.parametrize("address", ["10.1.88.84", "fd00::1", "web.service.zhangeamon.com", "", None])
def test_addresses_dns_can_serve_are_taken(address):
    assert services.normalize_service(dict(name="www", address=address))["Address"] == (address or "")


def test_addresses_are_registered_in_canonical_form():
    assert services.normalize_service(dict(name="www", address="FD00::0001"))["Address"] == "fd00::1"


def test_secret_fields_stay_out_of_results_and_key_the_fingerprint():
    definition = checks.normalize_check(check(check_id="c", http="http://a/", interval="10s",
                                              header={"Authorization": "Bearer s3cret"}, body="p4ss"))
    assert checks.secret_values(definition) == {"Bearer s3cret", "p4ss"}
    shown = checks.without_secrets(definition)
    assert "s3cret" not in repr(shown) and "p4ss" not in repr(shown) and shown["Header"] == {"Authorization": ["********"]}
    # the fingerprint follows the secrets, and differs by key: a reader of Notes without the token cannot test guesses
    other = dict(definition, Header={"Authorization": ["Bearer other"]})
    assert checks.fingerprint(definition, "token-a") != checks.fingerprint(other, "token-a")
    assert checks.fingerprint(definition, "token-a") != checks.fingerprint(definition, "token-b")
    assert checks.fingerprint(definition, "token-a") == checks.fingerprint(dict(definition), "token-a")
    registration = services.normalize_service(dict(name="web", checks=[dict(http="http://a/", interval="10s", body="p4ss")]))
    assert services.registration_secrets(registration) == {"p4ss"}
    assert "p4ss" not in repr(services.service_for_result(registration))
