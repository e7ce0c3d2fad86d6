"""Check fingerprints and masked results over generated definitions: two spellings of one check share
a fingerprint, a change of any field or of the token makes another, Notes carry the marker and give
the operator's notes back whatever they hold, and no header or body value reaches what a module shows."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.discovery.consul_dns.plugins.module_utils import check_definitions as checks
from ansible_collections.discovery.consul_dns.plugins.module_utils import service_definitions as services
from ansible_collections.discovery.consul_dns.plugins.module_utils.durations import DefinitionError

# no example database: these runs must leave nothing in the checkout; 100 examples, as each draws
# whole checks (the planted bugs of the commit that added this file were each found within them)
FAST = settings(max_examples=100, deadline=None, database=None)


@pytest.fixture(autouse=True, scope="module")
def one_round_secret_digest():
    # the slow digest's rounds change its cost, not which inputs give equal fingerprints; 100000 rounds
    # per example would take minutes
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(checks, "_SECRET_DIGEST_ROUNDS", 1)
        yield


# Generated checks --------------------------------------------------------------------------------

TEXT = st.text(min_size=1, max_size=12)
SECRET = st.text(min_size=6, max_size=16).map(lambda text: "S3CRET-" + text)   # told apart from every other field
TOKENS = st.one_of(st.just(""), st.uuids().map(str), TEXT)


def spellings(seconds):
    """Go duration texts of a whole number of seconds that Consul reads alike."""
    forms = ["%ds" % seconds, "%dms" % (seconds * 1000), "%dus" % (seconds * 10 ** 6), "%d.0s" % seconds]
    if seconds % 60 == 0:
        forms.append("%dm" % (seconds // 60))
    if seconds >= 60:
        forms.append("%dm%ds" % divmod(seconds, 60))
    return st.sampled_from(forms)


@st.composite
def http_checks(draw):
    """Options of an http check: the spelling drawn for each equivalent choice, and its twin spelled
    another way (durations, method case, a header value alone or in a list, defaults given or left out)."""
    interval, timeout = draw(st.integers(1, 7200)), draw(st.one_of(st.none(), st.integers(1, 600)))
    base = dict(name=draw(TEXT), check_id=draw(st.one_of(st.none(), TEXT)), http="http://127.0.0.1:%d/health" % draw(
        st.integers(1, 65535)), notes=draw(st.one_of(st.none(), TEXT)), tls_server_name=draw(st.one_of(st.none(), TEXT)),
        failures_before_critical=draw(st.integers(0, 5)), success_before_passing=draw(st.integers(0, 5)))
    header = draw(st.dictionaries(st.text(min_size=1, max_size=8), SECRET, max_size=3))
    body = draw(st.one_of(st.none(), SECRET))
    method = draw(st.sampled_from(["get", "post", "put", None]))
    tls_skip_verify = draw(st.booleans())

    def spelled(twin):
        options = dict(base, interval=draw(spellings(interval)), header=dict(
            (name, value if draw(st.booleans()) else [value]) for name, value in header.items()),
            body=body, tls_skip_verify=tls_skip_verify or (None if twin else False))
        options["timeout"] = draw(spellings(timeout)) if timeout else None
        options["method"] = (method.upper() if twin else method) if method else None
        return options
    return spelled(False), spelled(True)


def normalized(options, service_id=None):
    definition = checks.normalize_check(options, service_bound=bool(service_id))
    if service_id:
        definition["ServiceID"] = service_id
    return definition


# One more for each field a fingerprint must follow: a different value than any the generator draws
CHANGES = {
    "Name": lambda d: "other-name", "CheckID": lambda d: "other-id", "Notes": lambda d: d.get("Notes", "") + "!",
    "ServiceID": lambda d: d.get("ServiceID", "") + "-other", "HTTP": lambda d: d["HTTP"] + "?x",
    "Method": lambda d: "DELETE", "Interval": lambda d: "2h1s", "Timeout": lambda d: "601s",
    "TLSServerName": lambda d: "other.example", "TLSSkipVerify": lambda d: not d.get("TLSSkipVerify"),
    "FailuresBeforeCritical": lambda d: 6, "SuccessBeforePassing": lambda d: 6,
    "Header": lambda d: dict(d.get("Header") or {}, Extra=["S3CRET-changed"]), "Body": lambda d: "S3CRET-changed",
}


# The properties ----------------------------------------------------------------------------------

@FAST
@given(http_checks(), TOKENS, st.booleans())
def test_two_spellings_of_one_check_share_its_fingerprint_and_comparable_view(twins, token, standalone):
    first, second = (normalized(options) for options in twins)
    assert checks.fingerprint(first, token) == checks.fingerprint(second, token)
    assert checks.comparable_check(first, standalone, token) == checks.comparable_check(second, standalone, token)


@FAST
@given(http_checks(), TOKENS, st.sampled_from(sorted(CHANGES)))
def test_a_change_of_any_field_makes_another_fingerprint(twins, token, field):
    definition = normalized(twins[0], service_id="web")
    changed = dict(definition, **{field: CHANGES[field](definition)})
    assert checks.fingerprint(changed, token) != checks.fingerprint(definition, token)


@FAST
@given(http_checks(), TOKENS, TOKENS)
def test_a_registration_under_another_token_makes_another_fingerprint(twins, token, other):
    """The agent syncs a check with the token it was registered with: under a new token (the old one
    deleted) it must be registered again, whether or not it holds a header or body."""
    definition = normalized(twins[0])
    same = checks.fingerprint(definition, token) == checks.fingerprint(definition, other)
    assert same == (token == other)


# notes of any text: line breaks, a marker of their own (the standalone one too), a marker's look-alike
MARKER = st.tuples(st.sampled_from(["[consul_dns:", "[consul_dns:check:"]),
                   st.text("0123456789abcdef", min_size=15, max_size=17), st.just("]")).map("".join)
NOTES = st.one_of(st.text(max_size=40), st.lists(st.one_of(st.text(max_size=10), MARKER), max_size=4).map("\n".join),
                  st.tuples(st.text(max_size=10), MARKER, st.sampled_from(["", "\n", " ", "\r\n"])).map("".join),
                  st.tuples(st.text(max_size=8), MARKER, st.text(min_size=1, max_size=8)).map("\n".join))


@FAST
@given(http_checks(), TOKENS, st.booleans(), NOTES)
def test_notes_carry_the_fingerprint_last_and_give_the_operators_notes_back(twins, token, standalone, notes):
    definition = normalized(dict(twins[0], notes=notes or None))
    sent = checks.with_fingerprint(definition, standalone, token)
    assert checks.split_notes(sent["Notes"]) == (notes, checks.owned_fingerprint(definition, standalone, token))
    observed = dict(sent, Type="http")
    assert checks.comparable_observed_check(observed) == checks.comparable_check(definition, standalone, token)
    assert checks.is_standalone(observed) == standalone


@FAST
@given(http_checks(), TOKENS, st.booleans())
def test_no_header_or_body_value_reaches_a_result_the_notes_or_a_fingerprint(twins, token, standalone):
    definition = normalized(twins[0])
    secrets = set(value for values in (definition.get("Header") or {}).values() for value in values)
    secrets.update([definition["Body"]] if definition.get("Body") else [])
    shown = json.dumps([checks.without_secrets(definition), checks.with_fingerprint(definition, standalone, token)["Notes"],
                        checks.comparable_check(definition, standalone, token)], ensure_ascii=False)
    assert not [secret for secret in secrets if secret in shown]
    assert checks.secret_values(definition) == secrets
    assert checks.raw_secret_values(dict(checks=[twins[0]])) >= secrets


@FAST
@given(st.lists(http_checks(), max_size=3), TOKENS, TOKENS)
def test_a_service_shows_none_of_its_checks_secrets_and_follows_its_token(checks_twins, token, other):
    raw = [dict(options, check_id="c%d" % index) for index, (options, _twin) in enumerate(checks_twins)]
    try:
        registration = services.normalize_service(dict(name="web", checks=raw))
    except DefinitionError as exc:   # options the module's spec would have given their defaults
        pytest.fail(str(exc))
    secrets = services.registration_secrets(registration)
    shown = json.dumps([services.service_for_result(registration), services.comparable_service(registration, token)],
                       ensure_ascii=False)
    assert not [secret for secret in secrets if secret in shown]
    assert (services.comparable_service(registration, token) == services.comparable_service(registration, other)) == (
        token == other)
