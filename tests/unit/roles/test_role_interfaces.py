"""The seams between the roles and the playbooks: every variable declared where it is defaulted, roles
meeting only through published facts and the one shared alias list, playbooks entering roles only
through declared entry points."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import glob
import os
import re

import pytest
import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, os.pardir))
ROLES = ("consul", "dnsmasq", "resolver")
# what a role publishes for the others (docs/architecture.md), and the one list every role that reads it declares
PUBLISHED = {"consul": "consul_agent", "dnsmasq": "dnsmasq_forwarder"}
SHARED = {"consul_dns_aliases"}
# group names, not variables (the default groups a role finds its peers in)
GROUP_NAMES = {"consul_servers", "consul_clients", "dns_forwarders"}


def load(path):
    with open(os.path.join(REPO, path), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def role_files(role):
    """The files whose text a role runs with: not its documentation (README, meta) nor Python."""
    return [path for path in glob.glob(os.path.join(REPO, "roles", role, "**", "*"), recursive=True)
            if os.path.isfile(path) and not path.endswith((".py", ".md")) and "/meta/" not in path]


def without_comments(content):
    return "\n".join(line for line in content.splitlines() if not line.lstrip().startswith("#"))


def text(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


@pytest.mark.parametrize("role", ROLES)
def test_every_default_is_declared_and_every_declared_variable_has_a_default_or_none(role):
    defaults = load("roles/%s/defaults/main.yml" % role) or {}
    declared = load("roles/%s/meta/argument_specs.yml" % role)["argument_specs"]["main"]["options"]
    assert sorted(set(defaults) - set(declared)) == []
    # the shared alias list is declared by each role that reads it, defaulted by none (no role's own setting)
    assert sorted(set(declared) - set(defaults)) == sorted(SHARED & set(declared))


@pytest.mark.parametrize("role", ROLES)
def test_a_roles_variables_carry_its_name_but_the_shared_alias_list(role):
    declared = load("roles/%s/meta/argument_specs.yml" % role)["argument_specs"]["main"]["options"]
    assert sorted(name for name in declared if not name.startswith(role + "_") and name not in SHARED) == []


def test_the_shared_alias_list_is_declared_alike_by_every_role_that_reads_it():
    readers = [role for role in ROLES if any("consul_dns_aliases" in without_comments(text(path)) for path in role_files(role))]
    specs = [load("roles/%s/meta/argument_specs.yml" % role)["argument_specs"]["main"]["options"].get("consul_dns_aliases")
             for role in readers]
    assert readers == ["dnsmasq", "resolver"]
    assert specs[0] is not None and all(spec is not None for spec in specs)
    # the same text but for the name of the reading role's own variable
    assert len(set(re.sub(r"O\(\w+\)", "O(own)", repr(spec)) for spec in specs)) == 1


@pytest.mark.parametrize("role", ROLES)
def test_a_role_reads_of_another_role_only_what_it_publishes(role):
    others = [other for other in ROLES if other != role]
    foreign = re.compile(r"(?<![.\w])(%s)_[a-z0-9_]+" % "|".join(others))
    allowed = set(PUBLISHED.values()) | SHARED | GROUP_NAMES
    found = set()
    for path in role_files(role):
        for match in foreign.finditer(without_comments(text(path))):
            if match.group(0) not in allowed and not match.group(0).startswith(tuple(allowed)):
                found.add("%s: %s" % (os.path.relpath(path, REPO), match.group(0)))
    assert sorted(found) == []


def test_the_dnsmasq_role_writes_nothing_into_consuls_folders():
    """Its watches run in the agent through the consul role's consul_watches; it names no Consul folder."""
    for path in role_files("dnsmasq"):
        assert "config_dir" not in text(path) and "/etc/consul.d" not in text(path), path


def playbook_files():
    return sorted(glob.glob(os.path.join(REPO, "playbooks", "**", "*.yml"), recursive=True))


def included_roles(node):
    if isinstance(node, dict):
        for key in ("ansible.builtin.include_role", "ansible.builtin.import_role", "include_role", "import_role"):
            if key in node:
                yield node[key]
        for value in node.values():
            yield from included_roles(value)
    elif isinstance(node, list):
        for item in node:
            yield from included_roles(item)


def test_playbooks_enter_roles_only_through_declared_entry_points():
    used = []
    for path in playbook_files():
        for include in included_roles(load(path)):
            role = include["name"].split(".")[-1]
            entry = include.get("tasks_from", "main")
            used.append((role, entry))
            assert entry in load("roles/%s/meta/argument_specs.yml" % role)["argument_specs"], (path, role, entry)
    assert ("consul", "interface") in used


def test_playbooks_read_no_internal_variable_of_a_role():
    internal = re.compile(r"\b_(%s)_[a-z0-9_]+" % "|".join(ROLES))
    found = ["%s: %s" % (os.path.relpath(path, REPO), match.group(0))
             for path in playbook_files() for match in internal.finditer(text(path))]
    assert found == []


def test_no_role_reads_the_inventory_plugins_variable_nor_declares_it():
    """The inventory plugin's one variable, consul_catalog, is no role's setting: its source combines with
    a static inventory that sets the roles' variables (README)."""
    from ansible_collections.discovery.consul_dns.plugins.inventory.consul import catalog_hosts
    hosts = catalog_hosts(dict(nodes=[dict(Node="a", Address="10.0.0.1", Datacenter="dc1")], instances={}))
    assert sorted(hosts["a"]) == ["ansible_host", "consul_catalog"]
    for role in ROLES:
        declared = load("roles/%s/meta/argument_specs.yml" % role)["argument_specs"]["main"]["options"]
        assert "consul_catalog" not in declared
        assert not any(re.search(r"\bconsul_catalog\b", text(path)) for path in role_files(role)), role
