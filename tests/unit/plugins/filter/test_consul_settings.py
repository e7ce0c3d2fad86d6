"""consul_ports and consul_dns_config: only Consul 1.8's keys, each with a value of its type, reach HCL."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.discovery.consul_dns.plugins.filter.consul_settings import FilterModule
from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_settings import (
    DNS_CONFIG_KEYS,
    PORT_KEYS,
    SOA_KEYS,
    dns_config_problems,
    is_http_api_path,
    ports_problems,
)
from ansible_collections.discovery.consul_dns.plugins.test import consul_settings as consul_settings_tests

ROLE_PORTS = {"http": 8500, "https": -1, "dns": 8600, "grpc": -1, "serf_lan": 8301, "serf_wan": 8302, "server": 8300}
ROLE_DNS_CONFIG = {"service_ttl": {"*": "0s"}, "node_ttl": "0s", "allow_stale": True, "max_stale": "87600h",
                   "only_passing": True, "enable_truncate": True, "udp_answer_limit": 16, "soa": {"min_ttl": 0}}
EVERY_DNS_CONFIG = dict(ROLE_DNS_CONFIG, a_record_limit=0, disable_compression=False, recursor_timeout="2s",
                        use_cache=True, cache_max_age="10s", enable_additional_node_meta_txt=False,
                        service_ttl={"*": "0s", "web": "5s", "db-1": "1m30s"},
                        soa={"expire": 86400, "min_ttl": 0, "refresh": 3600, "retry": 600})

HOSTILE_KEYS = ["dns = 1\n}\nrecursors = [\"6.6.6.6\"]\nports {", 'dns"', "}", "dns=1", "a" * 10000, "dns ",
                u"dn\u0455", u"\u00e9", "", "DNS", "service_ttl\n", "enable_truncate = true\n}\nrecursors = [\"6.6.6.6\"]"]


def test_the_filters_are_registered():
    assert set(FilterModule().filters()) == {"consul_ports_problems", "consul_dns_config_problems"}


def test_the_roles_defaults_and_every_known_key_pass():
    assert ports_problems(ROLE_PORTS) == []
    assert ports_problems(dict.fromkeys(PORT_KEYS, 21000)) == []
    assert dns_config_problems(ROLE_DNS_CONFIG) == []
    assert dns_config_problems(EVERY_DNS_CONFIG) == []
    assert set(EVERY_DNS_CONFIG) == set(DNS_CONFIG_KEYS)


@pytest.mark.parametrize("key", HOSTILE_KEYS + ["prefer_namespace", "bogus"])
def test_an_unknown_key_is_refused_naming_the_variable_and_the_key(key):
    for problems, variable in ((ports_problems({key: 8600}), "consul_ports"),
                               (dns_config_problems({key: True}), "consul_dns_config")):
        assert len(problems) == 1, problems
        assert problems[0].startswith(variable + ": unknown key ")
        assert "\n" not in problems[0] and len(problems[0]) < 400


@pytest.mark.parametrize("value", [65536, -2, "8600", True, None, 8600.0, [8600], "8600\n}", {"a": 1}])
def test_a_port_is_an_integer_from_minus_one_to_65535(value):
    assert ports_problems({"dns": value}) == [
        "consul_ports.dns must be a port (0 to 65535) or -1 (off), got %s" % __import__("json").dumps(value)]


@pytest.mark.parametrize("port", [-1, 0, 53, 65535])
def test_ports_at_the_bounds_pass(port):
    assert ports_problems({"dns": port}) == []


@pytest.mark.parametrize("key, value", [
    ("only_passing", "yes"), ("only_passing", 1), ("allow_stale", "true"), ("enable_truncate", None),
    ("udp_answer_limit", "16"), ("udp_answer_limit", -1), ("udp_answer_limit", True), ("a_record_limit", 2 ** 32),
    ("node_ttl", "5"), ("node_ttl", 0), ("max_stale", "1 h"), ("recursor_timeout", "2s\n}"), ("cache_max_age", True),
    ("service_ttl", "0s"), ("service_ttl", {"*": "5"}), ("service_ttl", {"web\n": "0s"}), ("service_ttl", {"": "0s"}),
    ("service_ttl", {'web" = "1s" }\nrecursors = ["6.6.6.6"]\n#': "0s"}), ("service_ttl", {"db*": "1s"}),
    ("soa", {"min_ttl": "0"}), ("soa", {"serial": 1}), ("soa", {"min_ttl = 0\n}\nrecursors = [\"6.6.6.6\"]\n#": 0}),
    ("soa", 0), ("soa", {"retry": -1}),
])
def test_a_value_of_the_wrong_type_is_refused_naming_the_key(key, value):
    problems = dns_config_problems({key: value})
    assert len(problems) == 1, problems
    assert problems[0].startswith("consul_dns_config." + key), problems


def test_every_problem_is_said_at_once_and_the_variable_name_is_the_callers():
    problems = dns_config_problems({"bogus": 1, "only_passing": "yes", "soa": {"x": 1, "min_ttl": "1"}}, variable="v")
    assert len(problems) == 4 and all(problem.startswith("v") for problem in problems), problems


@pytest.mark.parametrize("value", [None, [], "dns = 1", 8600])
def test_a_mapping_is_required(value):
    assert ports_problems(value) != [] and dns_config_problems(value) != []


# --- properties: whatever the key, either it is one Consul 1.8 knows, or it is refused ---------------------

hostile_text = st.one_of(
    st.text(min_size=0, max_size=300),
    st.text(alphabet=st.sampled_from('\n\r"}{=[]#\\ \t' + u"\u2028\u00e9\u0455a"), max_size=50),
    st.builds(lambda key, tail: key + tail, st.sampled_from(sorted(DNS_CONFIG_KEYS) + list(PORT_KEYS)),
              st.text(min_size=1, max_size=30)),
    st.just("x" * 100000),
)
any_value = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30),
                      st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))


@settings(max_examples=300, deadline=None)
@given(key=hostile_text, value=any_value)
def test_a_port_key_is_a_known_name_or_refused(key, value):
    problems = ports_problems({key: value})
    if key not in PORT_KEYS:
        assert [problem for problem in problems if "unknown key" in problem] == problems != []
    for problem in problems:
        assert "\n" not in problem and len(problem) < 400


@settings(max_examples=300, deadline=None)
@given(key=hostile_text, value=any_value)
def test_a_dns_config_key_is_a_known_name_or_refused(key, value):
    problems = dns_config_problems({key: value})
    if key not in DNS_CONFIG_KEYS:
        assert len(problems) == 1 and "unknown key" in problems[0]
    for problem in problems:
        assert "\n" not in problem and len(problem) < 400


@settings(max_examples=300, deadline=None)
@given(service=hostile_text, soa_key=hostile_text, value=any_value)
def test_nested_keys_are_labels_or_known_names(service, soa_key, value):
    """What passes can be written into HCL as it is: a label or *, a known soa key, values of their type."""
    ttl_ok = dns_config_problems({"service_ttl": {service: "1s"}}) == []
    label = (0 < len(service) <= 63 and service.replace("-", "").isalnum() and service.isascii()
             and not service.startswith("-") and not service.endswith("-"))
    assert ttl_ok == (service == "*" or label)
    assert (dns_config_problems({"soa": {soa_key: 1}}) == []) == (soa_key in SOA_KEYS)
    if dns_config_problems({"soa": {"min_ttl": value}}) == []:
        assert isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2 ** 32


@settings(max_examples=300, deadline=None)
@given(value=any_value)
def test_what_passes_is_of_the_keys_type(value):
    if ports_problems({"dns": value}) == []:
        assert isinstance(value, int) and not isinstance(value, bool) and -1 <= value <= 65535
    for key, kind in DNS_CONFIG_KEYS.items():
        if dns_config_problems({key: value}) == []:
            assert {"a boolean": bool, "an integer of 0 or more": int, "a duration": str}.get(kind, dict) is type(value)


@pytest.mark.parametrize("path", ["/v1/catalog/register", "/v1/catalog/deregister", "/v1/txn", "/v1/agent/service/"])
def test_api_paths(path):
    assert is_http_api_path(path) and consul_settings_tests.TestModule().tests()["http_api_path"] is is_http_api_path


@pytest.mark.parametrize("path", ["", "/v1/", "v1/txn", "/v2/txn", "/v1/txn\n", "/v1/../txn", "/v1/./txn", "/v1//txn",
                                  '/v1/txn"]', "/v1/txn?x=1", " /v1/txn", "/v1/" + "a" * 200, None, 5, ["/v1/txn"]])
def test_what_is_no_api_path(path):
    assert not is_http_api_path(path)


def test_the_filters_are_the_module_utils_functions():
    assert FilterModule().filters() == {"consul_ports_problems": ports_problems, "consul_dns_config_problems": dns_config_problems}


KNOWN_PORTS = ("dns, http, https, grpc, serf_lan, serf_wan, server, sidecar_min_port, sidecar_max_port, expose_min_port, "
               "expose_max_port")
KNOWN_DNS_CONFIG = ("a_record_limit, allow_stale, cache_max_age, disable_compression, enable_additional_node_meta_txt, "
                    "enable_truncate, max_stale, node_ttl, only_passing, recursor_timeout, service_ttl, soa, "
                    "udp_answer_limit, use_cache")


def test_each_problem_in_words_in_the_order_of_the_keys():
    assert ports_problems({"serf_wan": "8302", 5: 1, "bogus": 1, "dns": 65536}, variable="p") == [
        "p: unknown key \"bogus\" (Consul 1.8 knows %s)" % KNOWN_PORTS,
        "p.dns must be a port (0 to 65535) or -1 (off), got 65536",
        "p.serf_wan must be a port (0 to 65535) or -1 (off), got \"8302\"",
        "p: unknown key 5 (Consul 1.8 knows %s)" % KNOWN_PORTS]
    assert dns_config_problems({
        "only_passing": "yes", "udp_answer_limit": -1, "node_ttl": "5", "max_stale": 5, 7: True, "prefer_namespace": True,
        "service_ttl": {"*": "5", "web\n": "0s", "db": "1s"}, "soa": {"retry": -1, "serial": 1, "min_ttl": 2 ** 32, "expire": 0},
    }) == [
        "consul_dns_config.max_stale must be a duration such as 0s, 5s or 1m30s, got 5",
        "consul_dns_config.node_ttl must be a duration such as 0s, 5s or 1m30s, got \"5\"",
        "consul_dns_config.only_passing must be a boolean, got \"yes\"",
        "consul_dns_config: unknown key \"prefer_namespace\" (Consul 1.8 knows %s)" % KNOWN_DNS_CONFIG,
        "consul_dns_config.service_ttl[\"*\"] must be a duration such as 0s, 5s or 1m30s, got \"5\"",
        "consul_dns_config.service_ttl: key \"web\\n\" must be a service name (a DNS label) or *",
        "consul_dns_config.soa.min_ttl must be an integer of 0 or more (seconds), got 4294967296",
        "consul_dns_config.soa.retry must be an integer of 0 or more (seconds), got -1",
        "consul_dns_config.soa: unknown key \"serial\" (Consul 1.8 knows expire, min_ttl, refresh, retry)",
        "consul_dns_config.udp_answer_limit must be an integer of 0 or more, got -1",
        "consul_dns_config: unknown key 7 (Consul 1.8 knows %s)" % KNOWN_DNS_CONFIG]


@pytest.mark.parametrize("value", [0, 2 ** 32 - 1])
def test_integers_at_the_bounds_pass(value):
    assert dns_config_problems({"udp_answer_limit": value, "a_record_limit": value, "soa": {"min_ttl": value}}) == []


def test_what_is_not_a_mapping_is_named_as_json_and_cut_when_long():
    assert ports_problems([1], variable="p") == ["p must be a mapping of Consul's port names to ports, got [1]"]
    assert dns_config_problems("x" * 100) == [
        "consul_dns_config must be a mapping of Consul's dns_config keys, got \"%s..." % ("x" * 76)]
    assert dns_config_problems("x" * 78) == ["consul_dns_config must be a mapping of Consul's dns_config keys, got \"%s\"" % ("x" * 78)]
    assert dns_config_problems({"service_ttl": ["web"], "soa": 0}) == [
        "consul_dns_config.service_ttl must be a mapping of service name (or *) to a duration, got [\"web\"]",
        "consul_dns_config.soa must be a mapping of expire, min_ttl, refresh, retry to seconds, got 0"]
    assert dns_config_problems({"allow_stale": {"b": 1, "a": object}})[0].startswith(
        "consul_dns_config.allow_stale must be a boolean, got {\"a\": \"<class 'object'>\", \"b\": 1}")
    assert dns_config_problems({"allow_stale": float("nan")}) == ["consul_dns_config.allow_stale must be a boolean, got NaN"]
    assert dns_config_problems("x" * 79) == ["consul_dns_config must be a mapping of Consul's dns_config keys, got \"%s..." % ("x" * 76)]


def test_a_value_is_shown_in_ascii_and_what_json_cannot_show_as_python_would():
    assert ports_problems({"dns": u"\u00e9"}) == ["consul_ports.dns must be a port (0 to 65535) or -1 (off), got \"\\u00e9\""]
    circular = []
    circular.append(circular)
    assert ports_problems({"dns": {(1, 2): 1}}) == ["consul_ports.dns must be a port (0 to 65535) or -1 (off), got {(1, 2): 1}"]
    assert ports_problems({"dns": circular}) == ["consul_ports.dns must be a port (0 to 65535) or -1 (off), got [[...]]"]


def test_keys_of_mixed_types_are_each_named_in_the_order_shown():
    assert dns_config_problems({"soa": {1: 0, "retry": "1", u"\u00e9": 0}, "service_ttl": {2: "1s", "z": "1", u"\u00e9": "1s"}}) == [
        "consul_dns_config.service_ttl: key \"\\u00e9\" must be a service name (a DNS label) or *",
        "consul_dns_config.service_ttl[\"z\"] must be a duration such as 0s, 5s or 1m30s, got \"1\"",
        "consul_dns_config.service_ttl: key 2 must be a service name (a DNS label) or *",
        "consul_dns_config.soa: unknown key \"\\u00e9\" (Consul 1.8 knows expire, min_ttl, refresh, retry)",
        "consul_dns_config.soa.retry must be an integer of 0 or more (seconds), got \"1\"",
        "consul_dns_config.soa: unknown key 1 (Consul 1.8 knows expire, min_ttl, refresh, retry)"]


def test_an_api_path_is_at_most_200_characters():
    assert is_http_api_path("/v1/" + "a" * 196) and not is_http_api_path("/v1/" + "a" * 197)
