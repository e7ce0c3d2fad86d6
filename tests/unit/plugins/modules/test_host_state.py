from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import hashlib
import json
import subprocess
import sys

import pytest
from module_run import run_module

from ansible_collections.discovery.consul_dns.plugins.modules import host_state
from ansible_collections.discovery.consul_dns.plugins.modules.host_state import (
    file_contents, file_digests, link_targets, requirements_met, venv_distributions)


def run(monkeypatch, **args):
    return run_module(monkeypatch, host_state, None, **args)


def make_dist(venv, name, version):
    folder = venv / "lib" / "python3.11" / "site-packages" / ("%s-%s.dist-info" % (name.replace("-", "_"), version))
    folder.mkdir(parents=True)
    (folder / "METADATA").write_text("Metadata-Version: 2.1\nName: %s\nVersion: %s\n\nName: not-a-header\n" % (name, version))


def test_distributions_are_read_from_the_venv_metadata(tmp_path):
    make_dist(tmp_path, "py-consul", "1.6.0")
    make_dist(tmp_path, "Requests", "2.32.3")
    assert venv_distributions(str(tmp_path)) == {"py-consul": "1.6.0", "requests": "2.32.3"}


@pytest.mark.parametrize("requirements, met", [
    (["py-consul>=1.5"], True), (["py-consul>=1.7"], False), (["py_consul"], True), (["requests==2.32.3"], True),
    (["absent-package"], False), ([], True)])
def test_requirements(requirements, met):
    assert requirements_met(requirements, {"py-consul": "1.6.0", "requests": "2.32.3"}) is met


def test_links_among_the_files_read_are_named_with_their_targets(tmp_path):
    (tmp_path / "stub-resolv.conf").write_text("nameserver 127.0.0.53\n")
    (tmp_path / "resolv.conf").symlink_to("stub-resolv.conf")
    paths = [str(tmp_path / "resolv.conf"), str(tmp_path / "stub-resolv.conf"), str(tmp_path / "absent")]
    assert link_targets(paths) == {paths[0]: "stub-resolv.conf"}


def test_digests_are_sha256_of_the_whole_file_and_null_when_absent(tmp_path):
    big = b"k" * 200000 + b"\n"   # more than one read block
    (tmp_path / "gossip.key").write_bytes(big)
    (tmp_path / "empty").write_bytes(b"")
    (tmp_path / "folder").mkdir()
    paths = [str(tmp_path / name) for name in ("gossip.key", "empty", "absent", "folder")]
    assert file_digests(paths) == {
        paths[0]: hashlib.sha256(big).hexdigest(),
        paths[1]: hashlib.sha256(b"").hexdigest(),
        paths[2]: None,
        paths[3]: None,
    }


def test_a_digested_file_s_content_is_nowhere_in_the_result(monkeypatch, tmp_path):
    secret = "agent = \"d5a0b3c1-secret-token\"\n"
    (tmp_path / "acl-tokens.hcl").write_text(secret)
    (tmp_path / "reloadable.hcl").write_text("log_level = \"INFO\"\n")
    tokens, reloadable = str(tmp_path / "acl-tokens.hcl"), str(tmp_path / "reloadable.hcl")
    result = run(monkeypatch, read_files=[reloadable], digest_files=[tokens, str(tmp_path / "absent")])
    assert result["files"] == {reloadable: "log_level = \"INFO\"\n"}
    assert result["digests"] == {tokens: hashlib.sha256(secret.encode()).hexdigest(), str(tmp_path / "absent"): None}
    assert "secret-token" not in json.dumps(result)


def test_a_keyring_of_one_key_has_the_digest_of_its_key_file_and_no_key_leaves(monkeypatch, tmp_path):
    key, old = "pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=", "jMnMWy8ShcobRZFbLnuCV6iHGP7jfK6It+dWhnYGIEE="
    files = {"one": json.dumps([key]), "two": json.dumps([key, old]), "other": json.dumps([old]),
             "broken": "[\"", "empty": "[]", "not_keys": json.dumps([1])}
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    paths = dict((name, str(tmp_path / name)) for name in list(files) + ["absent"])
    result = run(monkeypatch, keyring_files=sorted(paths.values()), digest_files=[])
    key_file_digest = hashlib.sha256((key + "\n").encode()).hexdigest()
    keyrings = result["keyrings"]
    assert keyrings[paths["one"]] == key_file_digest
    assert len(set([keyrings[paths["one"]], keyrings[paths["two"]], keyrings[paths["other"]]])) == 3
    assert [keyrings[paths[name]] for name in ("broken", "empty", "not_keys", "absent")] == ["", "", "", None]
    assert key not in json.dumps(result) and old not in json.dumps(result)


def test_a_certificates_end_is_read_and_a_file_that_is_none_gives_null(monkeypatch, tmp_path):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-subj", "/CN=t", "-days", "30", "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True)
    (tmp_path / "not.pem").write_text("not a certificate\n")
    end = subprocess.run(["openssl", "x509", "-noout", "-enddate", "-in", str(tmp_path / "cert.pem")],
                         check=True, capture_output=True, text=True).stdout
    paths = [str(tmp_path / name) for name in ("cert.pem", "not.pem", "absent.pem")]
    result = run(monkeypatch, certificate_files=paths)
    assert result["certificates"][paths[1]] is None and result["certificates"][paths[2]] is None
    day, year = end.split()[1], end.split()[3]
    ending = result["certificates"][paths[0]]
    assert ending.startswith(year + "-") and ending.endswith("Z") and int(ending[8:10]) == int(day), (ending, end)


class Host(object):
    """The commands the module runs (AnsibleModule.run_command replaced): each answer by its argv."""

    def __init__(self, answers):
        self.answers, self.ran = answers, []

    def run_command(self, module, args, **kwargs):
        self.ran.append(list(args))
        return self.answers.get(tuple(args), (4, "", "unknown command"))


def run_on(monkeypatch, host, **args):
    def run_command(module, command, **kwargs):
        # set on the class: Python passes the module itself first
        return host.run_command(module, command, **kwargs)

    monkeypatch.setattr(host_state.AnsibleModule, "run_command", run_command)
    return run(monkeypatch, **args)


DPKG = ("dpkg-query", "-W", "-f", "${Package}\t${db:Status-Abbrev}\t${Version}\n")


def test_installed_packages_report_their_version_and_others_null(monkeypatch):
    # rc 1: dpkg knows no "nomad"; "python3-venv" was removed (its configuration kept), "dnsmasq" is arch-qualified
    host = Host({DPKG + ("consul", "python3-venv", "dnsmasq", "nomad"): (1, (
        "consul\tii \t1.8.7+dfsg1-2+b3\n"
        "python3-venv\trc \t3.11.2-1+b1\n"
        "dnsmasq:amd64\tii \t2.89-1\n"
        "broken line\n"), "dpkg-query: no packages found matching nomad\n")})
    result = run_on(monkeypatch, host, deb_packages=["consul", "python3-venv", "dnsmasq", "nomad"])
    assert result["deb_packages"] == {"consul": "1.8.7+dfsg1-2+b3", "python3-venv": None, "dnsmasq": "2.89-1",
                                      "nomad": None}
    assert result["changed"] is False


def test_nothing_asked_runs_nothing(monkeypatch):
    host = Host({})
    result = run_on(monkeypatch, host)
    assert host.ran == []
    assert result == {"changed": False, "deb_packages": {}, "python_distributions": {}, "python_requirements_met": False,
                      "version": None, "systemd_units": {}, "files": {}, "digests": {}, "keyrings": {}, "certificates": {}, "links": {}}


def executable(folder, name):
    path = folder / name
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return str(path)


def test_the_version_is_the_first_a_program_prints(monkeypatch, tmp_path):
    executable(tmp_path, "consul")
    monkeypatch.setenv("PATH", str(tmp_path))
    host = Host({("consul", "version"): (0, "Consul v1.8.7\nProtocol 2 spoken by default\n", "")})
    assert run_on(monkeypatch, host, version_command=["consul", "version"])["version"] == "1.8.7"
    assert host.ran == [["consul", "version"]]


@pytest.mark.parametrize("answer", [(1, "Consul v1.8.7\n", "bad flag"), (0, "no version here\n", "")])
def test_a_failing_program_or_one_printing_no_version_has_none(monkeypatch, tmp_path, answer):
    program = executable(tmp_path, "consul")
    host = Host({(program, "version"): answer})
    assert run_on(monkeypatch, host, version_command=[program, "version"])["version"] is None
    assert host.ran == [[program, "version"]]


def test_a_missing_program_has_no_version_and_is_not_run(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    host = Host({})
    for command in (["consul", "version"], [str(tmp_path / "consul"), "version"], [str(tmp_path / "consul-version")]):
        assert run_on(monkeypatch, host, version_command=command)["version"] is None
    assert host.ran == []


def test_units_report_their_active_and_enabled_states(monkeypatch):
    host = Host({
        ("systemctl", "is-active", "consul"): (0, "active\n", ""),
        ("systemctl", "is-enabled", "consul"): (0, "enabled\n", ""),
        ("systemctl", "is-active", "dnsmasq"): (3, "inactive\n", ""),
        ("systemctl", "is-enabled", "dnsmasq"): (1, "disabled\n", ""),
        # systemd too old or absent: nothing printed
        ("systemctl", "is-active", "nomad"): (4, "", ""),
        ("systemctl", "is-enabled", "nomad"): (1, "", "Failed to get unit file state for nomad.service: No such file"),
    })
    result = run_on(monkeypatch, host, systemd_units=["consul", "dnsmasq", "nomad"])
    assert result["systemd_units"] == {
        "consul": {"active": "active", "enabled": "enabled"},
        "dnsmasq": {"active": "inactive", "enabled": "disabled"},
        "nomad": {"active": "unknown", "enabled": "not-found"},
    }


def test_files_are_read_whole_and_absent_ones_are_null(monkeypatch, tmp_path):
    (tmp_path / "stub-resolv.conf").write_text("nameserver 127.0.0.53\noptions edns0\n")
    (tmp_path / "resolv.conf").symlink_to("stub-resolv.conf")
    paths = [str(tmp_path / "resolv.conf"), str(tmp_path / "absent")]
    result = run_on(monkeypatch, Host({}), read_files=paths)
    assert result["files"] == {paths[0]: "nameserver 127.0.0.53\noptions edns0\n", paths[1]: None}
    assert result["links"] == {paths[0]: "stub-resolv.conf"}


def test_requirements_are_met_only_by_a_virtualenv_with_its_python(monkeypatch, tmp_path):
    make_dist(tmp_path, "py-consul", "1.6.0")
    (tmp_path / "bin").mkdir()
    args = dict(python_venv=str(tmp_path), python_requirements=["py-consul>=1.5"])
    result = run_on(monkeypatch, Host({}), **args)
    assert result["python_distributions"] == {"py-consul": "1.6.0"} and result["python_requirements_met"] is False
    executable(tmp_path / "bin", "python")
    # no requirements: the virtualenv alone
    assert run_on(monkeypatch, Host({}), python_venv=str(tmp_path))["python_requirements_met"] is True
    assert run_on(monkeypatch, Host({}), **args)["python_requirements_met"] is True
    args["python_requirements"] = ["py-consul>=1.7"]
    assert run_on(monkeypatch, Host({}), **args)["python_requirements_met"] is False


def test_an_absent_virtualenv_meets_nothing(monkeypatch, tmp_path):
    result = run_on(monkeypatch, Host({}), python_venv=str(tmp_path / "venv"), python_requirements=[])
    assert result["python_distributions"] == {} and result["python_requirements_met"] is False


def test_a_requirement_that_is_none_is_refused_naming_the_option(monkeypatch, tmp_path):
    (tmp_path / "bin").mkdir()
    executable(tmp_path / "bin", "python")
    result = run_on(monkeypatch, Host({}), python_venv=str(tmp_path), python_requirements=["py-consul>>1.5"])
    assert result["failed"] is True and result["msg"].startswith("python_requirements: ")
    assert "py-consul>>1.5" in result["msg"]


def test_a_distribution_without_a_version_is_left_out_and_names_are_normalised(tmp_path):
    make_dist(tmp_path, "Foo.Bar_baX", "2.0")
    folder = tmp_path / "lib" / "python3.11" / "site-packages" / "broken-0.dist-info"
    folder.mkdir()
    (folder / "METADATA").write_text("Metadata-Version: 2.1\nName: broken\n\nVersion: 1.0\n")
    assert venv_distributions(str(tmp_path)) == {"foo-bar-bax": "2.0"}


@pytest.mark.parametrize("requirements, met", [
    (["py-consul"], True), (["Py_Consul "], True), (["py-consul>=1.5"], False), (["absent-package"], False),
    (["=="], False), ([], True)])
def test_without_packaging_only_a_bare_installed_name_is_met(monkeypatch, requirements, met):
    monkeypatch.setitem(sys.modules, "packaging.requirements", None)
    assert requirements_met(requirements, {"py-consul": "1.6.0"}) is met


def test_metadata_not_in_utf8_is_still_read(tmp_path):
    folder = tmp_path / "lib" / "python3.11" / "site-packages" / "old-1.0.dist-info"
    folder.mkdir(parents=True)
    (folder / "METADATA").write_bytes(b"Metadata-Version: 1.0\nName: old\nVersion: 1.0\nAuthor: Jos\xe9\n\n")
    assert venv_distributions(str(tmp_path)) == {"old": "1.0"}


def test_a_file_not_in_utf8_is_read_with_its_bytes_kept(tmp_path):
    (tmp_path / "hosts").write_bytes(b"10.0.0.1 caf\xe9\n")
    assert file_contents([str(tmp_path / "hosts")]) == {str(tmp_path / "hosts"): u"10.0.0.1 caf\udce9\n"}


def test_an_installed_prerelease_meets_a_requirement_it_is_above():
    assert requirements_met(["py-consul>=1.5"], {"py-consul": "1.7.0rc1"}) is True


def test_the_paths_given_are_expanded_like_every_path_option(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("CONSUL_DIR", str(tmp_path / "consul.d"))
    (tmp_path / "consul.d").mkdir()
    (tmp_path / "consul.d" / "gossip.key").write_text("k3y\n")
    (tmp_path / "resolv.conf").write_text("nameserver 127.0.0.1\n")
    make_dist(tmp_path / "venv", "py-consul", "1.6.0")
    result = run_on(monkeypatch, Host({}), read_files=["~/resolv.conf"], digest_files=["$CONSUL_DIR/gossip.key"],
                    python_venv="~/venv")
    assert result["files"] == {str(tmp_path / "resolv.conf"): "nameserver 127.0.0.1\n"}
    assert result["digests"] == {str(tmp_path / "consul.d" / "gossip.key"): hashlib.sha256(b"k3y\n").hexdigest()}
    assert result["python_distributions"] == {"py-consul": "1.6.0"}


def test_the_host_is_read_in_check_mode_too(monkeypatch, tmp_path):
    (tmp_path / "a.conf").write_text("a\n")
    result = run_on(monkeypatch, Host({}), read_files=[str(tmp_path / "a.conf")], _ansible_check_mode=True)
    assert "skipped" not in result and result["files"] == {str(tmp_path / "a.conf"): "a\n"}
