"""What AnsibleModule writes to the target host's journal or syslog when it starts: the HTTP checks'
header values and bodies never, at any depth (consul_check's own options, consul_service's checks,
consul_services' services' checks), while the rest of the invocation is there."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import socket

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.discovery.consul_dns.plugins.module_utils import consul_client
from ansible_collections.discovery.consul_dns.plugins.module_utils.check_definitions import raw_secret_values
from ansible_collections.discovery.consul_dns.plugins.modules import consul_check, consul_service, consul_services

HEADER_VALUE = "Bearer hdr-5ecret-7f3a"
SECOND_HEADER_VALUE = "x-other-5ecret"
# a newline, a quote and a backslash: the log writes the checks list through repr(), which escapes them
BODY = '{"token": "body-5ecret-91c2",\n "path": "C:\\\\x"}'
SECRETS = [HEADER_VALUE, SECOND_HEADER_VALUE, "hdr-5ecret", "body-5ecret", "5ecret"]


class Exit(Exception):
    pass


def closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def http_check(**extra):
    check = dict(http="http://127.0.0.1:8080/health", interval="10s", method="POST",
                 header={"Authorization": [HEADER_VALUE], "X-Other": SECOND_HEADER_VALUE}, body=BODY)
    check.update(extra)
    return check


def invoke(monkeypatch, module, args, journal):
    """Run the module's main() until it exits (no agent listens: it fails after logging); what it
    logged and what it returned."""
    args = dict(args, host="127.0.0.1", port=closed_port(), scheme="http", request_timeout=1)
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args})))
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy", raising=False)
    monkeypatch.setattr(consul_client.time, "sleep", lambda seconds: None)  # the refused connection's tries
    logged = []

    class Journal(object):
        @staticmethod
        def send(**fields):
            logged.append(json.dumps(fields))

    monkeypatch.setattr(basic, "has_journal", journal)
    monkeypatch.setattr(basic, "journal", Journal, raising=False)
    monkeypatch.setattr(basic.syslog, "openlog", lambda *a, **k: None)
    monkeypatch.setattr(basic.syslog, "syslog", lambda *a: logged.append(repr(a)))
    results = []

    def finish(self, **result):
        results.append(json.dumps(result))
        raise Exit()

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", finish)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", lambda self, **result: finish(self, failed=True, **result))
    with pytest.raises(Exit):
        module.main()
    assert logged, "nothing was logged"
    return "\n".join(logged), results[0]


CASES = [
    (consul_service, dict(name="it-logged-web", id="it-logged-web01", checks=[http_check()]), "it-logged-web01"),
    (consul_services, dict(services=[dict(name="it-logged-api"),
                                     dict(name="it-logged-web", id="it-logged-web02", checks=[
                                         dict(ttl="30s"), http_check(check_id="it-logged-http")])]),
     "it-logged-web02"),
    (consul_check, dict(http_check(name="it-logged-check")), "it-logged-check"),
]


@pytest.mark.parametrize("journal", [True, False], ids=["journal", "syslog"])
@pytest.mark.parametrize("module, args, shown", CASES, ids=["consul_service", "consul_services", "consul_check"])
def test_headers_and_bodies_never_reach_the_hosts_log(monkeypatch, module, args, shown, journal):
    logged, returned = invoke(monkeypatch, module, args, journal)
    # the positive control: the invocation itself is logged, with the service or check it is about
    assert "Invoked with" in logged and shown in logged, logged
    assert "http://127.0.0.1:8080/health" in logged and "Authorization" in logged or module is consul_check
    for secret in SECRETS:
        assert secret not in logged, logged
        assert secret not in returned, returned


def test_raw_secret_values_at_every_depth_before_any_validation():
    params = dict(services=[dict(name="a", meta={"x": "shown"}, checks=[
        dict(header={"A": ["v1", 2], "B": "v3"}, body="b\n1", tcp="shown"),
        "not a dict", dict(header="given as a string")])], checks=[dict(body=b"bytes")], header=None)
    assert raw_secret_values(params) == {"v1", "2", "v3", "b\n1", "b\\n1", "given as a string", "bytes"}
