"""Run a module's main() against a fake Consul client (a helper module, like fake_clock)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.discovery.consul_dns.plugins.module_utils import consul_module


class Exit(Exception):
    pass


def run_module(monkeypatch, module, client, as_returned=False, **args):
    """The result ``module.main()`` exits with (``failed=True`` when it fails), ``client`` its ConsulClient
    (None: a module that talks to no Consul). ``as_returned``: as AnsibleModule returns it, with
    ``invocation`` and the values of no_log options and of those the module masked replaced."""
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args})))
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy", raising=False)
    if client is not None:
        monkeypatch.setattr(consul_module, "client_from_module", lambda ansible, retry=True: client)
    results = []

    def finish(self, **result):
        if as_returned:
            result.setdefault("invocation", {"module_args": self.params})
            result = remove_values(result, self.no_log_values)
        results.append(result)
        raise Exit()

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", finish)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", lambda self, **result: finish(self, failed=True, **result))
    with pytest.raises(Exit):
        module.main()
    return results[0]


def with_changes(arguments, **changes):
    """A module's arguments with some changed (built so that pylint sees no keyword given twice, as it
    does in f(**dict(ARGS, key=...)))."""
    changed = dict(arguments)
    changed.update(changes)
    return changed
