"""The consul role's TLS files on the controller (roles/consul/tasks/tls.yml), without any agent.

Hosts named after the CA's and the controller's files must get files of their own and leave those
untouched; a renewed certificate comes with a new key."""
import json
import os
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from harness import REPO, VENV_BIN, ansible_env, play_recap

PLAYBOOK = os.path.join(REPO, "tests", "integration", "playbooks", "consul_tls_files.yml")
# each a name that was a file of consul_tls_dir when agents' files lay beside the CA's (and ca's key
# was ca-key's certificate)
COLLIDING = ["ca", "ca-key", "controller", "controller-key"]
SHARED = ["ca.pem", "ca-key.pem", "controller.pem", "controller-key.pem"]


@pytest.fixture
def tls_dir(tmp_path):
    return tmp_path / "tls"


def converge(tmp_path, tls_dir, limit=None, **extra):
    hosts = dict((name, dict(consul_advertise_address="127.0.0.%d" % (10 + index)))
                 for index, name in enumerate(["node1"] + COLLIDING))
    inventory = dict(all=dict(
        hosts=hosts,
        children=dict(consul_servers=dict(hosts=dict(node1={}))),
        vars=dict(ansible_connection="local", consul_tls_dir=str(tls_dir), consul_datacenter="dc1",
                  consul_domain="consul", consul_controller_access=True)))
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps(inventory))
    cmd = [os.path.join(VENV_BIN, "ansible-playbook"), "-i", str(path), PLAYBOOK]
    if limit:
        cmd += ["--limit", limit]
    if extra:
        cmd += ["-e", json.dumps(extra)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=ansible_env())
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-5000:]
    return play_recap(output)


def contents(directory, names):
    return dict((name, (directory / name).read_bytes()) for name in names)


def agent_files(tls_dir, node):
    folder = tls_dir / "agents" / node
    return (folder / "agent.pem").read_bytes(), (folder / "agent-key.pem").read_bytes()


def public_bytes(key):
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def assert_an_agent_certificate_of_the_ca(tls_dir, node, server):
    cert_pem, key_pem = agent_files(tls_dir, node)
    cert = x509.load_pem_x509_certificate(cert_pem)
    ca = x509.load_pem_x509_certificate((tls_dir / "ca.pem").read_bytes())
    key = serialization.load_pem_private_key(key_pem, password=None)
    assert cert.issuer == ca.subject
    assert cert.subject.rfc4514_string() == "CN=%s.dc1.consul" % ("server" if server else "client")
    assert public_bytes(key) == cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo), node + "'s key is not its certificate's"
    assert oct((tls_dir / "agents" / node / "agent-key.pem").stat().st_mode & 0o777) == "0o600"


@pytest.mark.slow
def test_no_node_name_reaches_the_cas_or_the_controllers_files(tmp_path, tls_dir):
    converge(tmp_path, tls_dir, limit="node1")
    before = contents(tls_dir, SHARED)
    node1 = agent_files(tls_dir, "node1")
    converge(tmp_path, tls_dir)
    assert contents(tls_dir, SHARED) == before
    assert agent_files(tls_dir, "node1") == node1
    keys = set()
    for node in ["node1"] + COLLIDING:
        assert_an_agent_certificate_of_the_ca(tls_dir, node, server=node == "node1")
        keys.add(agent_files(tls_dir, node)[1])
    keys.update([before["ca-key.pem"], before["controller-key.pem"]])
    assert len(keys) == len(COLLIDING) + 3, "two of the nodes, the CA and the controller share a key"
    # only agents' files in the agents' folder, nothing of theirs beside the CA's
    assert sorted(os.listdir(tls_dir)) == sorted(SHARED + ["agents"])
    assert sorted(os.listdir(tls_dir / "agents")) == sorted(["node1"] + COLLIDING)
    for node in ["node1"] + COLLIDING:
        assert sorted(os.listdir(tls_dir / "agents" / node)) == ["agent-key.pem", "agent.pem"]


@pytest.mark.slow
def test_a_renewed_certificate_comes_with_a_new_key(tmp_path, tls_dir):
    converge(tmp_path, tls_dir)
    shared = contents(tls_dir, ["ca.pem", "ca-key.pem"])
    first = dict((node, agent_files(tls_dir, node)) for node in ["node1", "ca"])
    recap = converge(tmp_path, tls_dir)
    assert all(stats["changed"] == 0 for stats in recap.values()), recap
    assert dict((node, agent_files(tls_dir, node)) for node in ["node1", "ca"]) == first
    # more days to renew before than a certificate is valid for: every agent's is due
    converge(tmp_path, tls_dir, consul_tls_renew_days=900)
    for node in ["node1", "ca"]:
        cert, key = agent_files(tls_dir, node)
        assert cert != first[node][0]
        assert key != first[node][1], node + "'s renewed certificate kept its old key"
        assert_an_agent_certificate_of_the_ca(tls_dir, node, server=node == "node1")
    assert contents(tls_dir, ["ca.pem", "ca-key.pem"]) == shared


def extended_key_usages(pem):
    cert = x509.load_pem_x509_certificate(pem)
    return sorted(usage._name for usage in cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)


@pytest.mark.slow
def test_the_controllers_certificate_is_for_clients_only(tmp_path, tls_dir):
    """The controller's certificate can authenticate to an agent's HTTPS API but cannot serve as an
    agent (no serverAuth, not an agent's name): the key that leaves the servers' side is no server's."""
    converge(tmp_path, tls_dir, limit="node1")
    controller = (tls_dir / "controller.pem").read_bytes()
    assert extended_key_usages(controller) == ["clientAuth"]
    subject = x509.load_pem_x509_certificate(controller).subject.rfc4514_string()
    assert "server." not in subject and "client." not in subject, subject
    assert extended_key_usages(agent_files(tls_dir, "node1")[0]) == ["clientAuth", "serverAuth"]
