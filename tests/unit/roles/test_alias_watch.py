"""The dnsmasq role's watch handler: no false empty or partial set is ever published."""

import inspect
import io
import json
import subprocess

import pytest
from harness import alias_watch_handler

from ansible_collections.discovery.consul_dns.plugins.module_utils import dns_names

watch = alias_watch_handler("alias_watch")


def entries(*addresses):
    return [{"Node": {"Address": "10.0.0.1"}, "Service": {"Address": a}} for a in addresses]


@pytest.mark.parametrize("offered,published,confirmed,expected,asked", [
    (["a", "b"], None, None, ["a", "b"], False),          # first run with instances: as offered
    (["a", "b", "c"], ["a", "b"], None, ["a", "b", "c"], False),  # growth: as offered
    (["a"], ["a", "b"], ["a"], ["a"], True),              # a real removal, confirmed
    (["a"], ["a", "b"], ["a", "b"], ["a", "b"], True),    # a partial list during a resync: the full set
    ([], ["a", "b"], ["a", "b"], ["a", "b"], True),       # an empty list during a restart: the full set
    ([], ["a", "b"], None, None, True),                   # the agent cannot confirm: leave the file alone
    ([], ["a"], [], [], True),                            # really nothing healthy: empty, never stale
    ([], None, [], [], True),                             # a new alias of a service with nothing healthy
])
def test_decide(offered, published, confirmed, expected, asked):
    calls = []

    def confirm():
        calls.append(True)
        return confirmed

    assert watch.decide(offered, published, confirm) == expected
    assert bool(calls) == asked


def test_addresses_fall_back_to_the_node_and_are_unique():
    data = entries("10.0.0.9", "", "10.0.0.9")
    assert watch.addresses_of(data) == ["10.0.0.1", "10.0.0.9"]


def test_main_publishes_atomically_and_only_on_change(tmp_path, monkeypatch):
    hosts = tmp_path / "web.hosts"
    args = ["--file", str(hosts), "--name", "web.alias.consul", "--service", "web"]
    assert watch.main(args, io.StringIO(json.dumps(entries("10.0.0.2", "10.0.0.3")))) == 0
    assert hosts.read_text() == "10.0.0.2 web.alias.consul\n10.0.0.3 web.alias.consul\n"
    mtime = hosts.stat().st_mtime_ns
    watch.main(args, io.StringIO(json.dumps(entries("10.0.0.3", "10.0.0.2"))))
    assert hosts.stat().st_mtime_ns == mtime
    # an empty call while the agent cannot confirm (here: nothing listens) changes nothing
    watch.main(args + ["--api-url", "http://127.0.0.1:1"], io.StringIO(""))
    assert hosts.read_text() == "10.0.0.2 web.alias.consul\n10.0.0.3 web.alias.consul\n"
    assert [p.name for p in tmp_path.iterdir()] == ["web.hosts"]


def test_only_ip_addresses_reach_the_hosts_file_and_the_rest_is_logged(tmp_path, capsys):
    """A service registered with a hosts-file payload as its address (Consul accepts it) must not
    make the forwarder answer other names."""
    hostile = "6.6.6.6 www.bank.example\n6.6.6.6 login.bank.example\n6.6.6.7"
    data = entries("10.0.0.2", hostile, "web.service.consul", "fe80::1", " 10.0.0.4")
    data[1]["Service"].update(ID="evil-1", Service="web")
    hosts = tmp_path / "web.hosts"
    args = ["--file", str(hosts), "--name", "web.alias.consul", "--service", "web"]
    assert watch.main(args, io.StringIO(json.dumps(data))) == 0
    assert hosts.read_text() == "10.0.0.2 web.alias.consul\nfe80::1 web.alias.consul\n"
    logged = capsys.readouterr().err
    assert "dropped instance 'evil-1' of service 'web'" in logged and "bank.example" in logged
    assert logged.count("dropped instance") == 3


@pytest.mark.parametrize("hostile", [
    "fe80::1%x\n6.6.6.6 www.bank.example",   # ipaddress takes it: the zone ID carries a hosts file line
    "fe80::1%eth0", "010.0.0.5", u"\u0661\u0660.0.0.5", "10.0.0.5\n",
])
def test_a_zone_id_or_other_near_address_never_reaches_the_hosts_file(tmp_path, capsys, hostile):
    data = entries("10.0.0.2", hostile)
    data[1]["Service"].update(ID="evil-1", Service="web")
    hosts = tmp_path / "web.hosts"
    watch.main(["--file", str(hosts), "--name", "web.alias.consul", "--service", "web"], io.StringIO(json.dumps(data)))
    assert hosts.read_text() == "10.0.0.2 web.alias.consul\n"
    assert "dropped instance 'evil-1' of service 'web'" in capsys.readouterr().err


def test_addresses_are_written_in_canonical_form(tmp_path):
    hosts = tmp_path / "web.hosts"
    watch.main(["--file", str(hosts), "--name", "web.alias.consul", "--service", "web"],
               io.StringIO(json.dumps(entries("FD00::0001"))))
    assert hosts.read_text() == "fd00::1 web.alias.consul\n"


def test_the_handlers_address_parser_is_the_collections():
    """The handler runs without the collection, so it carries a copy; a copy that drifts is a second
    definition of what may reach DNS."""
    assert inspect.getsource(watch.parse_ip_address) == inspect.getsource(dns_names.parse_ip_address)
    assert watch._IP_ADDRESS_TEXT_RE.pattern == dns_names._IP_ADDRESS_TEXT_RE.pattern
    assert watch._IP_ADDRESS_MAX_LENGTH == dns_names._IP_ADDRESS_MAX_LENGTH


@pytest.mark.parametrize("written,sent", [("secret-of-the-host\n", "secret-of-the-host"), (None, "")])
def test_a_removal_is_confirmed_with_the_token_in_the_token_file(tmp_path, monkeypatch, written, sent):
    """The confirming read goes with the host's own token (it may read every service), whatever the
    agents' default token may read; a file that cannot be read leaves the agent's default."""
    token_file = tmp_path / "agent.token"
    if written is not None:
        token_file.write_text(written)
    hosts = tmp_path / "web.hosts"
    hosts.write_text("10.0.0.2 web.alias.consul\n10.0.0.3 web.alias.consul\n")
    monkeypatch.setenv("CONSUL_HTTP_TOKEN", "from-the-environment")
    asked = []

    def confirm(api_url, service, tag, token, context=None, timeout=5):
        asked.append(token)
        return ["10.0.0.2"]

    monkeypatch.setattr(watch, "consistent_addresses", confirm)
    watch.main(["--file", str(hosts), "--name", "web.alias.consul", "--service", "web", "--token-file", str(token_file)],
               io.StringIO(json.dumps(entries("10.0.0.2"))))
    assert asked == [sent]
    assert hosts.read_text() == "10.0.0.2 web.alias.consul\n"


@pytest.mark.parametrize("confirmed,expected", [
    (["10.0.0.4"], "10.0.0.4 web.alias.consul\n"),                     # the leader's list, as it is
    ([], ""),                                                          # a confirmed empty list empties it
    (None, "10.0.0.2 web.alias.consul\n"),                             # a failed read leaves the file
])
def test_fetch_publishes_what_the_leader_confirms_without_reading_stdin(tmp_path, monkeypatch, confirmed, expected):
    """--fetch (the dnsmasq role's first publication of a new alias) asks the agent itself."""
    hosts = tmp_path / "web.hosts"
    hosts.write_text("10.0.0.2 web.alias.consul\n")
    monkeypatch.setattr(watch, "consistent_addresses", lambda *args, **kwargs: confirmed)

    class Unread(io.StringIO):
        def read(self, *args):
            raise AssertionError("--fetch read stdin")

    assert watch.main(["--file", str(hosts), "--name", "web.alias.consul", "--service", "web", "--fetch"], Unread()) == 0
    assert hosts.read_text() == expected


def _self_signed(tmp_path, name):
    """A key and a self-signed certificate of it, written as <name>.pem and <name>-key.pem."""
    cert, key = tmp_path / (name + ".pem"), tmp_path / (name + "-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-subj", "/CN=" + name, "-days", "1", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def test_a_certificate_read_before_its_new_key_is_written_is_read_again(tmp_path, monkeypatch):
    """Between the renewal's two files, the new certificate with the old key: read again after the pause,
    by then the new key is there, and the context takes the pair."""
    new_cert, new_key = _self_signed(tmp_path, "new")
    _old_cert, old_key = _self_signed(tmp_path, "old")
    key_path = tmp_path / "agent-key.pem"
    key_path.write_bytes(old_key.read_bytes())
    pauses = []

    def renewal_ends(seconds):
        pauses.append(seconds)
        key_path.write_bytes(new_key.read_bytes())

    monkeypatch.setattr(watch.time, "sleep", renewal_ends)
    assert watch.tls_context(str(new_cert), str(new_cert), str(key_path)) is not None
    assert pauses == [0.2]


def test_a_certificate_and_key_that_never_match_fail(tmp_path, monkeypatch):
    new_cert, _new_key = _self_signed(tmp_path, "new")
    _old_cert, old_key = _self_signed(tmp_path, "old")
    monkeypatch.setattr(watch.time, "sleep", lambda seconds: None)
    with pytest.raises(watch.ssl.SSLError):
        watch.tls_context(str(new_cert), str(new_cert), str(old_key))
