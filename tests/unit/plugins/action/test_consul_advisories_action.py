from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleActionFail
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task

from ansible_collections.discovery.consul_dns.plugins.action.consul_advisories import ActionModule


def run(check_mode=False, **args):
    task = Task()
    task.action = "discovery.consul_dns.consul_advisories"
    task.args = args
    task.check_mode = check_mode
    context = PlayContext()
    context.check_mode = check_mode
    connection = MagicMock()
    connection._shell.tmpdir = None     # as a connection's before a remote temporary directory is made
    action = ActionModule(task, connection, context, loader=None, templar=None, shared_loader_obj=None)
    result = action.run(task_vars={})
    # the host is never contacted
    assert connection.method_calls == [] and not connection._connect.called
    return result


def test_warnings_of_the_default_package_go_into_the_result_as_ansible_warnings():
    result = run(version="Consul v1.8.7")
    assert result["changed"] is False
    assert result["advisories"] == ["CVE-2021-37219", "CVE-2021-38698", "CVE-2022-29153"]
    assert len(result["warnings"]) == 3
    assert "root on any agent host" in result["warnings"][0]
    assert result["version"] == "1.8.7" and result["unknown"] is False
    assert result["msg"] == "3 warning(s) about Consul 1.8.7"


def test_accepted_advisories_are_not_warned_also_in_check_mode():
    result = run(check_mode=True, version="1.8.19", accepted=["CVE-2022-29153"])
    assert "warnings" not in result and result["accepted"] == ["CVE-2022-29153"]
    assert result["msg"] == "no known advisory of Consul 1.8.19 left unaccepted"


def test_an_unread_version_is_warned():
    result = run(version="")
    assert result["unknown"] and "could not be read" in result["warnings"][0]
    assert result["version"] == "" and result["msg"] == "1 warning(s) about Consul (unknown version)"


def test_options_are_converted_as_a_modules_are():
    assert run(version=1.8, accepted="CVE-2021-37219,CVE-2021-38698")["accepted"] == ["CVE-2021-37219", "CVE-2021-38698"]
    with pytest.raises(AnsibleActionFail, match="colour"):
        run(version="1.8.7", colour="red")
