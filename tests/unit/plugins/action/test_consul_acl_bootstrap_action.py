"""The action of consul_acl_bootstrap: the module's result as it is, hidden as no_log would when it
holds the new management token's secret."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from unittest.mock import MagicMock

import ansible.plugins.action as action_base
import pytest
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task

from ansible_collections.discovery.consul_dns.plugins.action.consul_acl_bootstrap import ActionModule


def run(module_result, check_mode=False):
    task = Task()
    task.action = "discovery.consul_dns.consul_acl_bootstrap"
    task.args = dict(timeout=5)
    context = PlayContext()
    context.check_mode = check_mode
    action = ActionModule(task, MagicMock(), context, loader=None, templar=None, shared_loader_obj=None)
    action._execute_module = MagicMock(return_value=dict(module_result))
    result = action.run(task_vars={"inventory_hostname": "server1"})
    action._execute_module.assert_called_once_with(task_vars={"inventory_hostname": "server1"})
    return result


def test_a_result_holding_the_new_secret_is_hidden_and_kept():
    result = run(dict(changed=True, accessor_id="a-1", secret_id="s3cret"))
    assert result["_ansible_no_log"] is True
    assert (result["changed"], result["accessor_id"], result["secret_id"]) == (True, "a-1", "s3cret")


@pytest.mark.parametrize("module_result", [dict(changed=False, reset_index=13), dict(changed=False, token_valid=True),
                                           dict(changed=True), dict(failed=True, msg="Consul denied bootstrapping ACLs")])
def test_a_result_without_a_secret_is_shown(module_result):
    result = run(module_result, check_mode=True)
    assert not result.get("_ansible_no_log")
    for key, value in module_result.items():
        assert result[key] == value


def test_the_action_warns_of_nothing(monkeypatch):
    """Ansible warns when an action hands its base a tmp folder it no longer honours."""
    warned = []
    monkeypatch.setattr(action_base.display, "warning", lambda msg, *args, **kwargs: warned.append(msg))
    run(dict(changed=False, reset_index=13))
    assert warned == []
