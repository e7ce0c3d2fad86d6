"""The dnsmasq role's drain command: one Consul server out of the servers-file and back."""

import json
import os
import types

import jinja2
import pytest

TEMPLATE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "roles", "dnsmasq", "templates",
                        "dnsmasq-consul-drain.j2")
SERVERS = """\
server=/zhangeamon.com/10.0.0.11#8600
server=/zhangeamon.com/10.0.0.12#8600
server=/0.10.in-addr.arpa/10.0.0.11#8600
server=/0.10.in-addr.arpa/10.0.0.12#8600
server=10.0.0.11
"""


@pytest.fixture
def drain(tmp_path, monkeypatch):
    """The rendered command as a module working on a servers-file in tmp_path; .reloads counts SIGHUPs."""
    servers_file = tmp_path / "servers"
    servers_file.write_text(SERVERS)
    environment = jinja2.Environment()
    environment.filters.update(to_json=json.dumps, basename=os.path.basename)
    with open(TEMPLATE) as template:
        source = environment.from_string(template.read()).render(
            dnsmasq_alias_python="/usr/bin/python3", ansible_managed="managed", dnsmasq_consul_domain="zhangeamon.com",
            dnsmasq_servers_file=str(servers_file), dnsmasq_drain_command="/usr/local/sbin/dnsmasq-consul-drain")
    module = types.ModuleType("drain")
    exec(compile(source, TEMPLATE, "exec"), module.__dict__)
    module.reloads = []
    monkeypatch.setattr(module.subprocess, "run", lambda argv, check: module.reloads.append(argv))
    module.servers_file = servers_file
    return module


def test_drain_comments_out_every_line_of_that_server_only(drain, capsys):
    drain.main(["drain", "drain", "10.0.0.11"])
    assert drain.servers_file.read_text() == SERVERS.replace(
        "server=/zhangeamon.com/10.0.0.11", "#drained server=/zhangeamon.com/10.0.0.11").replace(
        "server=/0.10.in-addr.arpa/10.0.0.11", "#drained server=/0.10.in-addr.arpa/10.0.0.11")
    assert drain.reloads == [["systemctl", "reload", "dnsmasq"]]
    assert capsys.readouterr().out == "drained 10.0.0.11\n"


def test_restore_puts_it_back_and_a_repeat_changes_nothing(drain, capsys):
    drain.main(["drain", "drain", "10.0.0.11"])
    drain.main(["drain", "restore", "10.0.0.11"])
    drain.main(["drain", "restore", "10.0.0.11"])
    drain.main(["drain", "restore", "10.0.0.99"])
    assert drain.servers_file.read_text() == SERVERS
    assert len(drain.reloads) == 2
    assert capsys.readouterr().out == "drained 10.0.0.11\nrestored 10.0.0.11\n"


def test_the_last_server_of_the_domain_is_never_drained(drain, capsys):
    drain.main(["drain", "drain", "10.0.0.11"])
    drain.main(["drain", "drain", "10.0.0.12"])
    assert "server=/zhangeamon.com/10.0.0.12#8600\n" in drain.servers_file.read_text()
    assert len(drain.reloads) == 1
    assert "not draining 10.0.0.12: the last server of zhangeamon.com" in capsys.readouterr().err


def test_a_wrong_call_says_how_to_call_it(drain):
    with pytest.raises(SystemExit, match="drain|restore ADDRESS"):
        drain.main(["drain", "remove", "10.0.0.11"])
