# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action of discovery.consul_dns.consul_acl_bootstrap (documented in plugins/modules/consul_acl_bootstrap.py).

It runs the module on the host as usual, and hides the whole result of a task that got the new
management token from output, logs and callbacks, as C(no_log) would: a module cannot mask one value
it returns without making it useless, an action can mark the result (the registered variable keeps
the secret)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        result.update(self._execute_module(task_vars=task_vars))
        if result.get("secret_id"):
            result["_ansible_no_log"] = True
        return result
