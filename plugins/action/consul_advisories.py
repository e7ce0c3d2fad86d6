# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action of discovery.consul_dns.consul_advisories (documented in plugins/modules/consul_advisories.py).

It runs on the controller only: the version was read from the host before, so a warning costs no
round trip."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.discovery.consul_dns.plugins.module_utils.advisories import report


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("version", "accepted"))
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        # the module's documented options, converted as a module's would be ("a,b" is a list)
        _spec, args = self.validate_argument_spec(argument_spec=dict(
            version=dict(type="str"),
            accepted=dict(type="list", elements="str", default=[]),
        ))
        found = report(args["version"], args["accepted"])
        result.update(changed=False, version=found["version"], advisories=found["advisories"],
                      accepted=found["accepted"], unknown=found["unknown"])
        if found["warnings"]:
            # a result's warnings are shown as [WARNING] by every callback, on every run
            result["warnings"] = list(result.get("warnings", [])) + found["warnings"]
            result["msg"] = "%d warning(s) about Consul %s" % (len(found["warnings"]), found["version"] or "(unknown version)")
        else:
            result["msg"] = "no known advisory of Consul %s left unaccepted" % found["version"]
        return result
