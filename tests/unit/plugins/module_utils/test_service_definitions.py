"""service_definitions: what a registration holds, what is refused (naming the service's option or
check), the comparable views of a desired and an observed service, and the token digest in Meta."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.discovery.consul_dns.plugins.module_utils import service_definitions as services
from ansible_collections.discovery.consul_dns.plugins.module_utils.durations import DefinitionError


def service(**options):
    params = dict((k, spec.get("default")) for k, spec in services.SERVICE_OPTIONS.items())
    params.update(options)
    return params


def refused(params, where="services[0]: ", **kwargs):
    with pytest.raises(DefinitionError) as err:
        services.normalize_service(params, where, **kwargs)
    return str(err.value)


# the registration --------------------------------------------------------------------------------

def test_a_registration_holds_every_option_given():
    registration = services.normalize_service(service(
        name="web", id="web01", address="10.1.88.84", service_port=8080, tags=["rails", "v1"], meta={"team": "a", "none": None},
        enable_tag_override=True, weights={"passing": 3, "warning": 0}))
    assert registration == {
        "ID": "web01", "Name": "web", "Address": "10.1.88.84", "Port": 8080, "Tags": ["rails", "v1"],
        "Meta": {"team": "a", "none": ""}, "Weights": {"Passing": 3, "Warning": 0}, "EnableTagOverride": True, "Checks": []}


def test_a_registration_of_a_name_alone_holds_consuls_defaults():
    assert services.normalize_service(dict(name="web")) == {
        "ID": "web", "Name": "web", "Address": "", "Port": 0, "Tags": [], "Meta": {},
        "Weights": {"Passing": 1, "Warning": 1}, "EnableTagOverride": False, "Checks": []}


@pytest.mark.parametrize("port", [0, 65535])
def test_ports_at_the_ends_of_the_range_are_taken(port):
    assert services.normalize_service(service(name="web", service_port=port))["Port"] == port


@pytest.mark.parametrize("port", [-1, 65536])
def test_ports_out_of_range_are_refused(port):
    assert refused(service(name="web", service_port=port)) == \
        "services[0]: service_port must be between 0 and 65535, got %d" % port


@pytest.mark.parametrize("weights", [dict(passing=0, warning=1), dict(passing=1, warning=-1)])
def test_weights_consul_refuses_are_refused(weights):
    assert refused(service(name="web", weights=weights)) == \
        "services[0]: weights.passing must be 1 or more and weights.warning 0 or more"


def test_meta_values_up_to_consuls_limits_are_taken():
    assert services.normalize_service(service(name="web", meta={"k": "v" * 512}))["Meta"] == {"k": "v" * 512}
    many = dict(("k%d" % i, "v") for i in range(64))
    assert services.normalize_service(service(name="web", meta=many))["Meta"] == many
    assert refused(service(name="web", meta=dict(many, k64="v"))) == "services[0]: meta has 65 keys, Consul allows 64"
    # the set's own key counts
    assert refused(service(name="web", meta=many), set_name="s1") == "services[0]: meta has 65 keys, Consul allows 64"


@pytest.mark.parametrize("meta,message", [
    ({"k": "v" * 513}, "meta[k] is longer than Consul's 512 characters"),
    ({"consul-x": "1"}, "meta key 'consul-x' is invalid: use up to 128 letters, digits, '_' or '-', not starting with 'consul-'"),
    ({"consul_dns_set": "s"}, "meta key consul_dns_set is reserved for the collection's modules"),
])
def test_meta_consul_or_the_modules_refuse_is_refused(meta, message):
    assert refused(service(name="web", meta=meta)) == "services[0]: " + message


def test_messages_of_a_lone_service_start_with_the_option():
    with pytest.raises(DefinitionError) as err:
        services.normalize_service(service(name="web", service_port=-1))
    assert str(err.value) == "service_port must be between 0 and 65535, got -1"
    with pytest.raises(DefinitionError) as err:
        services.check_dns_safe(dict(name="w b"))
    assert str(err.value).startswith("name 'w b' is not a DNS label")


# its checks --------------------------------------------------------------------------------------

def test_a_services_check_may_deregister_the_service():
    registration = services.normalize_service(service(name="web", checks=[dict(ttl="30s", deregister_critical_service_after="90m")]))
    assert registration["Checks"] == [{"CheckID": "service:web", "Name": "Service 'web' check", "TTL": "30s",
                                       "DeregisterCriticalServiceAfter": "1h30m0s"}]


@pytest.mark.parametrize("raw,message", [
    ("tcp", "a check must be a dictionary of options"),
    (dict(tcp="a:1"), "interval is required for tcp checks"),
])
def test_a_checks_errors_name_the_service_and_the_check(raw, message):
    assert refused(service(name="web", checks=[dict(ttl="5s"), raw])) == "services[0]: checks[1]: " + message


def test_a_checks_unknown_option_names_the_service_and_the_check():
    assert refused(service(name="web", checks=[dict(ttl="5s", colour="red")])).startswith("services[0]: checks[0]: ")


def test_two_checks_of_one_id_are_refused_naming_it():
    assert refused(service(name="web", checks=[dict(check_id="x", ttl="5s"), dict(check_id="x", ttl="9s")])) == \
        "services[0]: checks: check IDs must be unique, got x, x"


def test_every_error_of_a_list_element_is_named():
    def message(params):
        with pytest.raises(DefinitionError) as err:
            services.validate_options(services.SERVICE_OPTIONS, params, "services[3]: ")
        return str(err.value)
    one, other = message({"name": "web", "colour": 1}), message({"name": "web", "service_port": "x"})
    both = message({"name": "web", "colour": 1, "service_port": "x"})
    assert both.startswith("services[3]: ") and "; " in both
    assert sorted(both[len("services[3]: "):].split("; ")) == sorted([one[len("services[3]: "):], other[len("services[3]: "):]])


# comparable views --------------------------------------------------------------------------------

def test_an_observed_service_reads_what_the_agent_returns():
    agent_service = {"ID": "web01", "Service": "web", "Address": "10.1.88.84", "Port": 8080, "Tags": ["rails"],
                     "Meta": {"team": "a"}, "Weights": {"Passing": 3, "Warning": 0}, "EnableTagOverride": True}
    agent_checks = {
        "b": {"CheckID": "b", "Name": "B", "Type": "ttl", "ServiceID": "web01", "Notes": ""},
        "a": {"CheckID": "a", "Name": "A", "Type": "tcp", "ServiceID": "web01", "Notes": ""},
        "other": {"CheckID": "other", "ServiceID": "api"},
    }
    observed = services.comparable_observed_service(agent_service, agent_checks)
    assert dict(observed, Checks=[c["CheckID"] for c in observed["Checks"]]) == {
        "ID": "web01", "Name": "web", "Address": "10.1.88.84", "Port": 8080, "Tags": ["rails"], "Meta": {"team": "a"},
        "Weights": {"Passing": 3, "Warning": 0}, "EnableTagOverride": True, "Checks": ["a", "b"]}


def test_an_observed_service_missing_fields_has_consuls_defaults():
    assert services.comparable_observed_service({"ID": "web", "Port": None}, {}) == {
        "ID": "web", "Name": "", "Address": "", "Port": 0, "Tags": [], "Meta": {},
        "Weights": {"Passing": 1, "Warning": 1}, "EnableTagOverride": False, "Checks": []}


def test_a_desired_services_checks_are_compared_in_id_order():
    registration = services.normalize_service(service(name="web", checks=[dict(check_id="b", ttl="5s"), dict(check_id="a", ttl="5s")]))
    state = services.comparable_service(registration)
    assert [c["CheckID"] for c in state["Checks"]] == ["a", "b"]
    assert [c["ServiceID"] for c in state["Checks"]] == ["web", "web"]


def test_the_token_digest_keeps_the_operators_meta_and_stays_what_agents_hold():
    registration = services.normalize_service(service(name="web", meta={"team": "a"}))
    sent = services.service_to_send(registration, key="token-a")
    assert sent["Meta"] == {"team": "a", "consul_dns_token": "a9072c73754107b6"}
    assert services.comparable_service(registration, key="token-a")["Meta"] == sent["Meta"]
    assert services.service_to_send(registration)["Meta"] == {"team": "a"}
    other = services.normalize_service(service(name="api", meta={"team": "a"}))
    assert services.service_to_send(other, key="token-a")["Meta"]["consul_dns_token"] != "a9072c73754107b6"


def test_results_show_a_services_checks_masked():
    registration = services.normalize_service(dict(name="web", checks=[dict(http="http://a/", interval="10s", body="p4ss")]))
    shown = services.service_for_result(registration)
    assert shown == dict(registration, Checks=[dict(registration["Checks"][0], Body="********")])


def test_the_registration_sent_leaves_the_desired_one_as_it_was():
    """A registration's Notes get their fingerprint marker in a copy: consul_service returns the
    registration itself, the same whether it was sent or found unchanged, with a token or without."""
    registration = services.normalize_service(dict(name="web", checks=[dict(ttl="5s")]))
    for key in ("", "token-a"):
        sent = services.service_to_send(registration, key=key)
        assert sent["Checks"][0]["Notes"].startswith("[consul_dns:")
        assert "Notes" not in registration["Checks"][0]
