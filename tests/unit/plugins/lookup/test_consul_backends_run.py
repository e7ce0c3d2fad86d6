"""The lookup's run() end to end with Consul's HTTP API and the DNS resolver faked: what it asks,
what it returns per format, order, default and by_service, and the errors naming the option."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from ansible.errors import AnsibleError, AnsibleOptionsError

from ansible_collections.discovery.consul_dns.plugins.lookup import consul_backends as cb
from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_client import CONNECTION_ARGUMENT_SPEC, ConsulError
from ansible_collections.discovery.consul_dns.plugins.module_utils.dns_resolver import DnsError

DEFAULTS = dict(via="http", tag=[], near=None, node_meta={}, passing=True, format="address", order="consul",
                dns_server="127.0.0.1", dns_port=53, domain="consul", default=None, by_service=False,
                request_timeout=10.0)


def health_entry(node, address, port=80, service_address="", tags=None, meta=None, datacenter="bj"):
    return {"Node": {"Node": node, "Address": address, "Datacenter": datacenter},
            "Service": {"ID": node + "-web", "Address": service_address, "Port": port, "Tags": tags, "Meta": meta},
            "Checks": []}


class Recorder(object):
    """The fake Consul client's and resolver's calls, and what they answer."""

    def __init__(self, answers=None, fail=None, fail_on_connect=None):
        self.answers, self.fail, self.fail_on_connect = answers or {}, fail, fail_on_connect
        self.connections, self.asked, self.resolvers = [], [], []


@pytest.fixture
def consul(monkeypatch):
    recorder = Recorder()

    class Client(object):
        def __init__(self, connection):
            if recorder.fail_on_connect:
                raise ConsulError(recorder.fail_on_connect)
            recorder.connections.append(connection)

        def service_instances(self, service, **query):
            recorder.asked.append((service, query))
            if recorder.fail:
                raise ConsulError(recorder.fail)
            return recorder.answers.get(service, [])

    class Resolver(object):
        def __init__(self, server, port, timeout):
            recorder.resolvers.append((server, port, timeout))

        def backends(self, name, domain):
            recorder.asked.append((name, domain))
            if recorder.fail:
                raise DnsError(recorder.fail)
            return [dict(b) for b in recorder.answers.get(name, [])]

    monkeypatch.setattr(cb, "ConsulClient", Client)
    monkeypatch.setattr(cb, "DnsResolver", Resolver)
    monkeypatch.setattr(cb, "HAS_CONSUL", True)
    monkeypatch.setattr(cb, "HAS_DNSPYTHON", True)
    return recorder


def lookup(terms, variables=None, **kwargs):
    """run() with the options given as the lookup's keyword arguments: they reach set_options as
    direct options (the plugin loader, which reads the documented defaults, needs a collection finder)."""
    values = dict(DEFAULTS)
    plugin = cb.LookupModule()

    def set_options(var_options=None, direct=None):
        assert var_options is variables
        values.update(direct)
    plugin.set_options = set_options
    plugin.get_option = values.get
    return plugin.run(terms, variables, **kwargs)


WEB = [health_entry("n2", "10.0.0.9", port=8001, tags=["v2"], meta={"k": "v"}),
       health_entry("n1", "10.0.0.10", port=0, service_address="FD00::0001"),
       health_entry("n3", "10.0.0.3", port=8000, datacenter="sh")]


def test_http_asks_consul_once_per_service_with_the_filters_and_the_connection(consul):
    consul.answers = dict(web=WEB, api=[health_entry("n4", "10.0.0.4")])
    assert lookup(["web", "api"], {"x": 1}, tag=["v2", "blue"], near="_agent", node_meta={"rack": "r1"}, passing=False,
                  host="10.1.88.81", token="secret") == ["10.0.0.9", "fd00::1", "10.0.0.3", "10.0.0.4"]
    query = dict(tags=["v2", "blue"], near="_agent", node_meta={"rack": "r1"}, passing=False)
    assert consul.asked == [("web", query), ("api", query)]
    [connection] = consul.connections
    assert set(connection) == set(CONNECTION_ARGUMENT_SPEC)
    assert (connection["host"], connection["token"], connection["request_timeout"]) == ("10.1.88.81", "secret", 10.0)


def test_formats(consul):
    consul.answers = dict(web=WEB)
    assert lookup(["web"], format="address_port") == ["10.0.0.9:8001", "[fd00::1]", "10.0.0.3:8000"]
    assert lookup(["web"], format="dict") == [
        dict(node="n2", address="10.0.0.9", port=8001, tags=["v2"], meta={"k": "v"}, datacenter="bj"),
        dict(node="n1", address="fd00::1", port=None, tags=[], meta={}, datacenter="bj"),
        dict(node="n3", address="10.0.0.3", port=8000, tags=[], meta={}, datacenter="sh")]


def test_sorted_by_address_then_port_an_instance_without_port_first(consul):
    consul.answers = dict(web=[health_entry("a", "10.0.0.2", port=9), health_entry("d", "10.0.0.2", port=1),
                               health_entry("c", "10.0.0.1", port=80), health_entry("b", "10.0.0.2", port=0)])
    assert lookup(["web"], format="address_port", order="sorted") == ["10.0.0.1:80", "10.0.0.2", "10.0.0.2:1", "10.0.0.2:9"]
    assert lookup(["web"], format="address_port") == ["10.0.0.2:9", "10.0.0.2:1", "10.0.0.1:80", "10.0.0.2"]


def test_several_services_flat_in_term_order_or_by_service(consul):
    consul.answers = dict(web=WEB[:1], api=WEB[2:])
    assert lookup(["api", "web"]) == ["10.0.0.3", "10.0.0.9"]
    assert lookup(["api", "web", "none"], by_service=True) == [dict(api=["10.0.0.3"], web=["10.0.0.9"], none=[])]


@pytest.mark.parametrize("default,expected", [
    (None, ["10.0.0.9"]),
    ("127.0.0.1:8080", ["127.0.0.1:8080", "10.0.0.9"]),
    (["127.0.0.1:8080", "127.0.0.2:8080"], ["127.0.0.1:8080", "127.0.0.2:8080", "10.0.0.9"]),
])
def test_default_stands_in_only_for_a_service_with_nothing_healthy(consul, default, expected):
    consul.answers = dict(web=WEB[:1])
    assert lookup(["none", "web"], default=default) == expected
    assert lookup(["none", "web"], default=default, by_service=True) == [dict(none=expected[:-1], web=["10.0.0.9"])]


def test_a_consul_error_names_the_lookup(consul):
    consul.fail = "reading the health of service web: connection refused"
    with pytest.raises(AnsibleError) as caught:
        lookup(["web"])
    assert str(caught.value) == "consul_backends: reading the health of service web: connection refused"
    consul.fail, consul.fail_on_connect = None, "client_cert needs client_key"
    with pytest.raises(AnsibleOptionsError) as caught:
        lookup(["web"])
    assert str(caught.value) == "consul_backends: client_cert needs client_key"


def test_dns_asks_the_named_resolver_for_the_services_srv_name(consul):
    consul.answers = {"web.service.consul.": [dict(node="n1", address="FD00::0001", port=80, tags=[], meta={}, datacenter="bj")],
                      "v2.api.service.sh.zhangeamon.com.": [dict(node=None, address="10.0.0.3", port=81, tags=[], meta={},
                                                                 datacenter="sh")]}
    assert lookup(["web"], via="dns", dns_server="10.1.88.86", dns_port=5353, request_timeout=2.5,
                  format="address_port") == ["[fd00::1]:80"]
    assert consul.resolvers == [("10.1.88.86", 5353, 2.5)]
    assert consul.asked == [("web.service.consul.", "consul")]
    assert lookup(["api"], via="dns", tag=["v2"], datacenter="sh", domain=".zhangeamon.com.", format="dict") == [
        dict(node=None, address="10.0.0.3", port=81, tags=[], meta={}, datacenter="sh")]
    assert consul.asked[1:] == [("v2.api.service.sh.zhangeamon.com.", ".zhangeamon.com.")]
    # the domain as given, but for its dots at either end (capitals kept: DNS ignores case)
    lookup(["web"], via="dns", domain="Xlab.example.")
    assert consul.asked[2:] == [("web.service.Xlab.example.", "Xlab.example.")]


def test_dns_drops_an_answer_that_is_no_ip_address(consul, monkeypatch):
    warnings = []
    monkeypatch.setattr(cb.display, "warning", warnings.append)
    consul.answers = {"web.service.consul.": [dict(node="n1", address="10.0.0.1\nx", port=80),
                                              dict(node="n2", address="10.0.0.2", port=80)]}
    assert lookup(["web"], via="dns") == ["10.0.0.2"]
    assert warnings == ["consul_backends: dropped an instance of service 'web' on node 'n1': its address '10.0.0.1\\nx'"
                        " is not an IP address"]


def test_a_dns_error_names_the_lookup(consul):
    consul.fail = "no DNS answer for web.service.consul. SRV from 127.0.0.1:53: timed out"
    with pytest.raises(AnsibleError) as caught:
        lookup(["web"], via="dns")
    assert str(caught.value) == "consul_backends: " + consul.fail


@pytest.mark.parametrize("options,error,message", [
    (dict(via="dns", tag=["a", "b"]), AnsibleOptionsError, "consul_backends: tag: via=dns takes at most one tag, got ['a', 'b']"),
    (dict(via="dns", near="_agent"), AnsibleOptionsError, "consul_backends: near is only available with via=http"),
    (dict(via="dns", node_meta={"rack": "r1"}), AnsibleOptionsError, "consul_backends: node_meta is only available with via=http"),
])
def test_options_that_dns_cannot_honour_are_refused_naming_them(consul, options, error, message):
    with pytest.raises(error) as caught:
        lookup(["web"], **options)
    assert str(caught.value) == message and consul.asked == []


@pytest.mark.parametrize("via,flag,message", [
    ("dns", "HAS_DNSPYTHON", "consul_backends: via=dns needs the dnspython Python library on the controller"),
    ("http", "HAS_CONSUL", "consul_backends: via=http needs the py-consul Python library on the controller"),
])
def test_a_missing_library_is_named(consul, monkeypatch, via, flag, message):
    monkeypatch.setattr(cb, flag, False)
    with pytest.raises(AnsibleError) as caught:
        lookup(["web"], via=via)
    assert str(caught.value) == message
    # the other way needs only its own library
    assert lookup(["web"], via="http" if via == "dns" else "dns") == []
