"""consul_service and consul_services against real Consul 1.8.7 agents (plain, ACL, TLS)."""

import json
import os
import subprocess

import dns.message
import dns.query
import dns.rdatatype
import pytest

from conftest import Listener, wait_for
from harness import REPO_PLAYBOOKS, run_module, run_playbook

SEED_CHECK = dict(name="SSH", interval="1s", timeout="1s", success_before_passing=3, failures_before_critical=3)


def dns_a(agent, name):
    query = dns.message.make_query(name, dns.rdatatype.A)
    answer = dns.query.udp(query, "127.0.0.1", port=agent.ports["dns"], timeout=2)
    return sorted(item.address for rrset in answer.answer if rrset.rdtype == dns.rdatatype.A for item in rrset)


def test_seed_web_service_reproduced_and_resolves_healthy_only(agent):
    """The reference topology's two `web` instances, its exact checks; DNS answers only the healthy one."""
    web01 = Listener("127.0.0.21").start()  # the reference topology's web01 answers; web02's port stays closed
    try:
        conn = agent.connection()
        instances = [
            dict(id="web01", name="web", address="127.0.0.21", tags=["rails"],
                 checks=[dict(SEED_CHECK, tcp="127.0.0.21:%d" % web01.port)]),
            dict(id="web02", name="web", address="127.0.0.22", tags=["rails"],
                 checks=[dict(SEED_CHECK, tcp="127.0.0.22:8000")]),
        ]
        for instance in instances:
            assert run_module("consul_service", dict(conn, **instance))["changed"] is True
            assert run_module("consul_service", dict(conn, **instance))["changed"] is False

        checks = agent.api("GET", "/v1/agent/checks")
        for sid in ("web01", "web02"):
            check = checks["service:%s" % sid]
            assert (check["Name"], check["Type"], check["ServiceName"]) == ("SSH", "tcp", "web")
        services = agent.api("GET", "/v1/agent/services")
        assert services["web01"]["Tags"] == ["rails"] and services["web01"]["Address"] == "127.0.0.21"

        wait_for(lambda: dns_a(agent, "web.service.consul") == ["127.0.0.21"], what="DNS to answer web01 only")
        assert dns_a(agent, "rails.web.service.consul") == ["127.0.0.21"]
    finally:
        web01.stop()
        for sid in ("web01", "web02"):
            run_module("consul_service", dict(agent.connection(), id=sid, state="absent"))


def test_seed_checks_identical_to_the_seed_json(agent, quiet_agent):
    """The reference topology's JSON sent as is to one agent, the module's registration on another: same checks."""
    seed = {"ID": "web01", "Name": "web", "Address": "10.1.88.84", "Tags": ["rails"],
            "Check": {"Name": "SSH", "TCP": "10.1.88.84:22", "Interval": "1s", "Timeout": "1s",
                      "SuccessBeforePassing": 3, "FailuresBeforeCritical": 3}}
    quiet_agent.api("PUT", "/v1/agent/service/register", json=seed)
    run_module("consul_service", dict(agent.connection(), id="web01", name="web", address="10.1.88.84", tags=["rails"],
                                      checks=[dict(SEED_CHECK, tcp="10.1.88.84:22")]))
    try:
        def comparable(target):
            check = dict(target.api("GET", "/v1/agent/checks")["service:web01"])
            for volatile in ("Node", "Notes", "Output", "Status"):
                check.pop(volatile)
            service = dict(target.api("GET", "/v1/agent/service/web01"))
            for volatile in ("ContentHash", "Meta"):
                service.pop(volatile)
            return check, service
        assert comparable(agent) == comparable(quiet_agent)
    finally:
        quiet_agent.api("PUT", "/v1/agent/service/deregister/web01")
        run_module("consul_service", dict(agent.connection(), id="web01", state="absent"))


def test_service_lifecycle_check_mode_and_diff(agent):
    conn = agent.connection()
    base = dict(conn, id="it-svc", name="it-svc", address="127.0.0.30", service_port=8080, tags=["a", "b"],
                meta={"team": "dns"}, weights={"passing": 3, "warning": 1},
                checks=[dict(name="ttl", ttl="1m", status="passing"), dict(tcp="127.0.0.30:8080", interval="10s")])
    assert run_module("consul_service", base, check=True)["changed"] is True
    assert agent.api("GET", "/v1/agent/service/it-svc") is None

    result = run_module("consul_service", base)
    assert result["changed"] is True
    assert [c["CheckID"] for c in result["service"]["Checks"]] == ["service:it-svc:1", "service:it-svc:2"]
    assert run_module("consul_service", base)["changed"] is False
    # durations written differently are the same definition
    same = dict(base, checks=[dict(name="ttl", ttl="60s", status="passing"), dict(tcp="127.0.0.30:8080", interval="10000ms")])
    assert run_module("consul_service", same)["changed"] is False

    changed = dict(base, tags=["a", "c"])
    result = run_module("consul_service", changed, check=True, diff=True)
    assert result["changed"] is True
    assert result["diff"]["before"]["Tags"] == ["a", "b"] and result["diff"]["after"]["Tags"] == ["a", "c"]
    assert agent.api("GET", "/v1/agent/service/it-svc")["Tags"] == ["a", "b"]
    assert run_module("consul_service", changed)["changed"] is True
    assert agent.api("GET", "/v1/agent/service/it-svc")["Tags"] == ["a", "c"]

    # dropping a check removes it, and only it
    fewer = dict(changed, checks=[dict(name="ttl", check_id="service:it-svc:1", ttl="1m", status="passing")])
    assert run_module("consul_service", fewer)["changed"] is True
    assert sorted(c for c in agent.api("GET", "/v1/agent/checks") if c.startswith("service:it-svc")) == ["service:it-svc:1"]
    assert run_module("consul_service", fewer)["changed"] is False

    absent = dict(conn, id="it-svc", state="absent")
    assert run_module("consul_service", absent, check=True)["changed"] is True
    assert run_module("consul_service", absent)["changed"] is True
    assert agent.api("GET", "/v1/agent/service/it-svc") is None
    assert not [c for c in agent.api("GET", "/v1/agent/checks") if c.startswith("service:it-svc")]
    assert run_module("consul_service", absent)["changed"] is False


def test_consul_services_sync_and_purge_only_its_own(agent):
    conn = agent.connection()
    agent.api("PUT", "/v1/agent/service/register", json=dict(ID="it-foreign", Name="it-foreign"))
    services = [dict(id="it-set-%d" % i, name="it-set", address="127.0.1.%d" % i,
                     checks=[dict(tcp="127.0.1.%d:80" % i, interval="30s")]) for i in range(1, 6)]
    args = dict(conn, services=services, set_name="it", purge=True)
    result = run_module("consul_services", args, check=True)
    assert result["changed"] is True and len(result["registered"]) == 5
    assert not [s for s in agent.api("GET", "/v1/agent/services") if s.startswith("it-set-")]
    result = run_module("consul_services", args)
    assert sorted(result["registered"]) == ["it-set-%d" % i for i in range(1, 6)]
    result = run_module("consul_services", args)
    assert result["changed"] is False and result["unchanged"] == 5

    args["services"] = services[:3] + [dict(services[3], tags=["new"])]
    result = run_module("consul_services", args, diff=True)
    assert (result["updated"], result["deregistered"]) == (["it-set-4"], ["it-set-5"])
    assert list(result["diff"]["after"]) == ["it-set-4"]
    present = agent.api("GET", "/v1/agent/services")
    assert "it-set-5" not in present and "it-foreign" in present
    assert present["it-set-1"]["Meta"] == {"consul_dns_set": "it"}

    # another set's purge does not touch this one
    assert run_module("consul_services", dict(conn, services=[], set_name="other", purge=True))["changed"] is False
    result = run_module("consul_services", dict(conn, services=[], set_name="it", purge=True))
    assert sorted(result["deregistered"]) == ["it-set-%d" % i for i in range(1, 5)]
    assert "it-foreign" in agent.api("GET", "/v1/agent/services")


BAD_SERVICES = [
    ("consul_service", dict(id="x"), "state is present but all of the following are missing: name"),
    ("consul_service", dict(name="x", service_port=70000), "service_port must be between 0 and 65535"),
    ("consul_service", dict(name="x", meta={"consul-version": "1"}), "meta key 'consul-version' is invalid"),
    ("consul_service", dict(name="x", meta={"consul_dns_set": "a"}), "meta key consul_dns_set is reserved"),
    ("consul_service", dict(name="x", checks=[dict(tcp="127.0.0.1:1", interval="1s"), dict(ttl="5s", interval="1s")]),
     "checks[1]: interval cannot be used with ttl"),
    ("consul_service", dict(name="x", checks=[dict(tcp="127.0.0.1:1")]), "checks[0]: interval is required for tcp"),
    ("consul_service", dict(name="x", checks=[dict(tcp="127.0.0.1:1", interval="1s", bogus=1)]), "checks[0]: "),
    ("consul_service", dict(name="x", checks=[dict(check_id="a", ttl="5s"), dict(check_id="a", ttl="5s")]),
     "check IDs must be unique"),
    ("consul_service", dict(name="x", weights={"passing": 0}), "weights.passing must be 1 or more"),
    ("consul_services", dict(services=[dict(name="a"), dict(name="a")]), "services[1] (a): service ID a is listed twice"),
    ("consul_services", dict(services=[dict(name="a"), dict(id="b")]), "services[1]: missing required arguments: name"),
    ("consul_services", dict(services=[dict(name="a", checks=[dict(ttl="1h", interval="1m")])]),
     "services[0] (a): checks[0]: interval cannot be used with ttl"),
]


@pytest.mark.parametrize("module,options,message", BAD_SERVICES, ids=[m for _x, _o, m in BAD_SERVICES])
def test_bad_service_is_refused_and_changes_nothing(agent, module, options, message):
    before = agent.snapshot()
    result = run_module(module, dict(agent.connection(), **options))
    assert result.get("failed"), result
    assert message in result["msg"], result["msg"]
    assert agent.snapshot() == before


def test_acl_deny_needs_a_token_and_the_token_is_never_shown(acl_agent):
    conn = acl_agent.connection()
    token = conn.pop("token")
    service = dict(conn, name="it-acl", checks=[dict(ttl="30s")])
    result = run_module("consul_service", service)
    assert result.get("failed")
    assert "HTTP 403" in result["msg"] and "no token was given" in result["msg"], result["msg"]

    result = run_module("consul_service", dict(service, token="00000000-0000-0000-0000-000000000000"))
    assert result.get("failed") and "HTTP 403" in result["msg"]

    result = run_module("consul_service", dict(service, token=token))
    assert result["changed"] is True
    assert token not in str(result)
    # the token from the environment, as the consul CLI takes it
    assert run_module("consul_service", service, env=dict(CONSUL_HTTP_TOKEN=token))["changed"] is False
    assert run_module("consul_service", dict(conn, id="it-acl", state="absent", token=token))["changed"] is True


def test_tls_ca_client_certificate_and_verify_failure(tls_agent):
    conn = tls_agent.connection()
    service = dict(conn, name="it-tls")
    assert run_module("consul_service", service)["changed"] is True
    assert run_module("consul_service", service)["changed"] is False

    no_ca = dict(service)
    no_ca.pop("ca_path")
    result = run_module("consul_service", no_ca)
    assert result.get("failed") and "TLS verification failed" in result["msg"] and "ca_path" in result["msg"], result

    no_client_cert = dict(service)
    no_client_cert.pop("client_cert")
    no_client_cert.pop("client_key")
    result = run_module("consul_service", no_client_cert)
    assert result.get("failed") and "refused the TLS handshake" in result["msg"], result
    assert "client_cert and client_key" in result["msg"] and "ca_path" not in result["msg"], result

    # everything from the consul CLI's environment variables
    env = dict(CONSUL_HTTP_ADDR="https://127.0.0.1:%d" % conn["port"], CONSUL_CACERT=conn["ca_path"],
               CONSUL_CLIENT_CERT=conn["client_cert"], CONSUL_CLIENT_KEY=conn["client_key"])
    assert run_module("consul_service", dict(name="it-tls"), env=env)["changed"] is False
    assert run_module("consul_service", dict(service, state="absent"))["changed"] is True


def test_unreachable_agent_is_one_clear_message():
    result = run_module("consul_service", dict(host="127.0.0.1", port=1, name="x", request_timeout=2))
    assert result.get("failed")
    assert result["msg"].startswith("cannot reach the Consul agent at http://127.0.0.1:1"), result["msg"]
    assert "refused" in result["msg"].lower()


def test_missing_library_is_named(tmp_path):
    """On a host without py-consul the module says which library to install."""
    bare = tmp_path / "bare"
    subprocess.run(["python3", "-m", "venv", "--without-pip", str(bare)], check=True)
    result = run_module("consul_service", dict(name="x"), env=dict(ANSIBLE_PYTHON_INTERPRETER=str(bare / "bin" / "python")))
    assert result.get("failed")
    assert "py-consul" in result["msg"], result["msg"]


def test_seed_playbook_converges_and_second_run_is_unchanged(agent):
    """The reference topology's services file as a playbook; the second run reports changed=0."""
    playbook = os.path.join(REPO_PLAYBOOKS, "examples", "seed_services.yml")
    extra = dict(consul_connection=agent.connection())
    rc, output, stats = run_playbook(playbook, extra)
    assert rc == 0, output
    assert stats["localhost"]["changed"] >= 1
    assert {"web01", "web02"} <= set(agent.api("GET", "/v1/agent/services"))
    rc, output, stats = run_playbook(playbook, extra)
    assert rc == 0, output
    assert stats["localhost"]["changed"] == 0, output
    rc, output, stats = run_playbook(playbook, dict(extra, seed_state="absent"))
    assert rc == 0, output
    assert stats["localhost"]["changed"] >= 1
    assert {"web01", "web02"} & set(agent.api("GET", "/v1/agent/services")) == set()
    assert [check for check in agent.api("GET", "/v1/agent/checks").values() if check["ServiceID"] in ("web01", "web02")] == []


@pytest.mark.same_on_every_version  # a thousand registrations: the agent's time, whatever calls it
def test_consul_services_takes_a_thousand_services_in_one_task(quiet_agent):
    """The scale path: 1,000 services with a TCP check each, one task; unchanged re-run; purge."""
    conn = quiet_agent.connection()
    services = [dict(id="scale-%04d" % i, name="scale", address="127.0.2.%d" % (i % 250 + 1), service_port=8000 + i,
                     checks=[dict(tcp="127.0.2.%d:%d" % (i % 250 + 1, 8000 + i), interval="30s", timeout="1s")])
                for i in range(1000)]
    args = dict(conn, services=services, set_name="scale", purge=True)
    result = run_module("consul_services", args)
    assert len(result["registered"]) == 1000
    assert len(quiet_agent.api("GET", "/v1/agent/checks")) >= 1000
    result = run_module("consul_services", args)
    assert result["changed"] is False and result["unchanged"] == 1000
    result = run_module("consul_services", dict(conn, services=[], set_name="scale", purge=True))
    assert len(result["deregistered"]) == 1000
    assert not [s for s in quiet_agent.api("GET", "/v1/agent/services") if s.startswith("scale-")]


def test_check_headers_and_bodies_never_appear_in_output(agent):
    """An Authorization header and a body of an HTTP check: not in the result, the diff or -vvv."""
    header, body = "Bearer it-s3cret-header", "it-s3cret-body"
    check = dict(http="http://127.0.0.1:1/", interval="10s", header={"Authorization": [header]}, body=body, method="POST")
    try:
        outputs = []
        for module, args in (("consul_service", dict(agent.connection(), name="it-secret", checks=[check])),
                             ("consul_services", dict(agent.connection(), set_name="it-secret",
                                                      services=[dict(name="it-secret2", checks=[check])])),
                             ("consul_check", dict(agent.connection(), check_id="it-secret3", **check))):
            result = run_module(module, args, diff=True, env=dict(ANSIBLE_VERBOSITY="3"))
            assert result["changed"] is True
            outputs.append(json.dumps(result) + result.stderr)
        notes = json.dumps(agent.api("GET", "/v1/agent/checks"))
        assert [text for text in outputs + [notes] if header in text or body in text] == []
    finally:
        run_module("consul_service", dict(agent.connection(), id="it-secret", state="absent"))
        run_module("consul_services", dict(agent.connection(), set_name="it-secret", services=[], purge=True))
        run_module("consul_check", dict(agent.connection(), check_id="it-secret3", state="absent"))


@pytest.mark.parametrize("service,named", [
    (dict(name="web\naddress=/login.example/6.6.6.6"), "name 'web\\naddress=/login.example/6.6.6.6' is not a DNS label"),
    (dict(name="web", tags=["a.b"]), "tags[0] 'a.b' is not a DNS label"),
    (dict(name="web", address="6.6.6.6 www.bank.example\n6.6.6.7"), "is neither an IP address nor a DNS name"),
])
def test_what_dns_cannot_serve_is_refused_before_anything_is_sent(agent, service, named):
    before = agent.api("GET", "/v1/agent/services")
    for module, args in (("consul_service", dict(agent.connection(), **service)),
                         ("consul_services", dict(agent.connection(), services=[service]))):
        result = run_module(module, args)
        assert result.get("failed") and named in result["msg"], result.get("msg")
    assert agent.api("GET", "/v1/agent/services") == before


def test_a_restart_waits_for_the_checks_that_passed_before_in_the_agent_and_on_the_servers(agent):
    """consul_cluster_wait checks_passing, as the consul role's restart handler uses it: the read before
    (timeout 0) lists only what passes, the wait holds while those pass and fails naming one that does not."""
    conn = agent.connection()
    node = agent.api("GET", "/v1/agent/self")["Config"]["NodeName"]
    service = dict(conn, id="it-wait", name="it-wait", address="127.0.0.31",
                   checks=[dict(name="up", ttl="5m", status="passing"), dict(name="down", ttl="5m", status="critical")])
    assert run_module("consul_service", service)["changed"] is True
    try:
        up, down = "service:it-wait:1", "service:it-wait:2"

        def read_before():
            result = run_module("consul_cluster_wait", dict(conn, condition="checks_passing", node=node, timeout=0))
            return result if up in result.get("passing", []) else None
        before = wait_for(read_before, timeout=10, what="the passing check read")
        assert down not in before["passing"]
        assert "failed" not in run_module("consul_cluster_wait", dict(conn, condition="checks_passing", node=node, checks=[up], timeout=5))
        agent.api("PUT", "/v1/agent/check/fail/" + up)
        result = run_module("consul_cluster_wait", dict(conn, condition="checks_passing", node=node, checks=[up], timeout=1))
        assert result["failed"] is True and "%s is critical here and critical on the servers" % up in result["msg"], result
    finally:
        run_module("consul_service", dict(service, state="absent"))
