"""What an attacker with a foothold can no longer do, on the lab (tests/lab): hijack DNS answers
through a service address, register names its host does not declare, use a forwarder from outside
its allowed networks, or read the catalog from a client agent's DNS port.

Shares the lab of the other lab tests (one bring-up per run)."""

import json

import pytest

from labdns import AGENT_API, AGENT_CURL, ALL, FORWARDER, SERVERS, ask, on, wait_until
from test_lab_faults import listening

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("podman"),
]

HOSTILE_ADDRESS = "6.6.6.6 www.bank.example\n6.6.6.6 login.bank.example\n6.6.6.7"


def host_token(host):
    """The host's own token (agent and registration token): what root on that host holds."""
    hcl = on(host, "cat", "/etc/consul.d/acl-tokens.hcl").stdout
    return json.loads(hcl.split("agent = ", 1)[1].split("\n", 1)[0])


def agent_put(host, path, body, token):
    """PUT to a lab host's own agent; (HTTP status, body)."""
    proc = on(host, *[arg for arg in AGENT_CURL if arg != "-sf"], "-s", "-o", "/dev/stderr", "-w", "%{http_code}",
              "-X", "PUT", "-H", "X-Consul-Token: " + token, "--data-binary", json.dumps(body), AGENT_API + path,
              check=False)
    return int(proc.stdout or 0), proc.stderr


def test_a_hostile_service_address_never_reaches_a_forwarders_answers(lab):
    """web1 may register `web`; it registers an instance whose address is a hosts-file payload.
    The alias watch drops it (logged, naming it), no forwarder answers the payload's names, the
    alias keeps answering exactly the healthy backends."""
    token = host_token("web1")
    status, body = agent_put("web1", "/v1/agent/service/register",
                             {"ID": "evil", "Name": "web", "Address": HOSTILE_ADDRESS}, token)
    assert status == 200, body
    try:
        logged = wait_until(lambda: "dropped instance 'evil' of service 'web'" in on(
            "dns1", "journalctl", "-t", "consul-dns-alias-watch", "--no-pager").stdout, timeout=20, interval=0.5)
        assert logged is not None, "the watch handler did not log the dropped instance"
        for name in ("www.bank.example", "login.bank.example"):
            assert ask(name)[1] == [], name
        assert ask("web.zhangeamon.com")[1] == ALL
        assert "bank" not in on("dns1", "sh", "-c", "cat /var/lib/consul-dns-aliases/*").stdout
    finally:
        agent_put("web1", "/v1/agent/service/deregister/evil", {}, token)


@pytest.mark.parametrize("name", ["api", "www"])
def test_a_backends_own_token_cannot_register_a_name_it_does_not_declare(lab, name):
    """web1 declares only `web`: registering `api` (nobody's) or `www` (the forwarders') is refused."""
    status, body = agent_put("web1", "/v1/agent/service/register",
                             {"ID": "hijack", "Name": name, "Address": "6.6.6.6"}, host_token("web1"))
    assert status == 403, body
    services = json.loads(on("web1", *AGENT_CURL, "-H", "X-Consul-Token: " + host_token("web1"),
                             AGENT_API + "/v1/agent/services").stdout)
    assert sorted(services) == ["web01"]
    assert ask("%s.service.zhangeamon.com" % name)[1] != ["6.6.6.6"]


def test_forwarders_answer_only_their_allowed_networks(lab):
    """The upstream host (10.89.50.41) is outside the lab forwarders' allowed networks: no answer,
    not even for a name outside Consul. web3, inside, is answered; so is the forwarder itself."""
    outside = on("upstream", "dig", "+time=1", "+tries=2", "@" + FORWARDER, "www.example.test", check=False)
    assert "timed out" in outside.stdout or "no servers could be reached" in outside.stdout, outside.stdout
    inside = on("web3", "dig", "+short", "+time=1", "@" + FORWARDER, "www.example.test").stdout.split()
    assert inside == ["10.89.50.99"]
    assert on("dns1", "dig", "+short", "@127.0.0.1", "web.service.zhangeamon.com").stdout.split() != []
    assert "table inet discovery_consul_dns" in on("dns1", "nft", "list", "tables").stdout


def test_consul_dns_listens_on_loopback_on_clients_and_on_the_address_only_on_servers(lab):
    for host in ("web1", "web2", "web3", "dns1", "dns2"):
        assert listening(host, "udp", 8600) == listening(host, "tcp", 8600) == {"127.0.0.1"}, host
    for host, address in SERVERS.items():
        assert listening(host, "udp", 8600) == listening(host, "tcp", 8600) == {"127.0.0.1", address}, host
