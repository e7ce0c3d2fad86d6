# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The skeleton every consul_* module fills in: the connection options merged into its argument
spec, the client, errors turned into one failure that names the option, and one way to report
changed, diff and check mode.

A module reads like this::

    module = ConsulModule(argument_spec=dict(name=dict(type="str", required=True)))
    with module.errors():
        current = module.client.acl_read(...)
        before, after = comparable(current), comparable(desired)
        if module.change(before, after):
            module.apply(module.client.acl_write, ...)
    module.exit(policy=...)

The diff has one shape everywhere: ``before`` and ``after`` are dicts built by the same function
(the module's comparable view); an object that does not exist on one side is ``{}`` (or, keyed by
ID, has no entry there). It is returned with ``--diff`` only, and, like every value returned, with
the values of no_log options and of those given to no_log() masked.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from contextlib import contextmanager

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_client import (
    CONNECTION_ARGUMENT_SPEC,
    ConsulError,
    client_from_module,
)
from ansible_collections.discovery.consul_dns.plugins.module_utils.durations import DefinitionError


class OptionError(Exception):
    """A value of an option the module cannot use; its message starts with the option's name."""

    def __init__(self, option, message):
        super(OptionError, self).__init__("%s: %s" % (option, message))
        self.option = option


class ConsulModule(object):
    """An AnsibleModule (``module_class``) talking to Consul through the collection's client."""

    def __init__(self, argument_spec, module_class=AnsibleModule, supports_check_mode=True, retry=True, **kwargs):
        clash = sorted(set(argument_spec) & set(CONNECTION_ARGUMENT_SPEC))
        if clash:
            raise ValueError("options %s are connection options" % ", ".join(clash))
        spec = dict(CONNECTION_ARGUMENT_SPEC)
        spec.update(argument_spec)
        self.ansible = module_class(argument_spec=spec, supports_check_mode=supports_check_mode, **kwargs)
        self.params = self.ansible.params
        self.result = dict(changed=False)
        self._retry = retry
        self._client = None
        self._diff = None

    @property
    def check_mode(self):
        return self.ansible.check_mode

    @property
    def client(self):
        """The ConsulClient, made on first use (a module that fails on its options never connects)."""
        if self._client is None:
            self._client = client_from_module(self.ansible, retry=self._retry)
        return self._client

    def no_log(self, *values):
        """Mask these values wherever they would appear in the result, the diff and the log."""
        self.ansible.no_log_values.update(value for value in values if value)

    def fail(self, msg, **extra):
        """Fail with ``msg``; what the result holds so far (``registered``, ``waited``...) goes with it."""
        result = dict(self.result)
        result.update(extra)
        result.pop("changed", None)
        self.ansible.fail_json(msg=msg, changed=self.result["changed"], **result)

    @contextmanager
    def errors(self):
        """Every failure of Consul, of a definition or of an option ends the module with its message:
        each one names the option or the request that failed."""
        try:
            yield
        except ConsulError as exc:
            # Consul's HTTP status goes with the message: a task retries on it, never on the text
            self.fail(str(exc), **({"status": exc.status} if exc.status else {}))
        except (DefinitionError, OptionError) as exc:
            self.fail(str(exc))

    def change(self, before, after, key=None):
        """Compare the comparable views ``before`` and ``after`` (None: the object does not exist),
        record them for the diff (under ``key`` for a module of many objects, only when they differ)
        and whether they differ; returns that."""
        changed = before != after
        if key is None:
            self._diff = dict(before=before or {}, after=after or {})
        else:
            if self._diff is None:
                self._diff = dict(before={}, after={})
            if changed:
                for side, value in (("before", before), ("after", after)):
                    if value is not None:
                        self._diff[side][key] = value
        if changed:
            self.result["changed"] = True
        return changed

    def keyed_diff(self):
        """Start a diff of many objects (keyed by ID) that may stay empty."""
        if self._diff is None:
            self._diff = dict(before={}, after={})

    def apply(self, function, *args, **kwargs):
        """Run a call that changes Consul, except in check mode."""
        if not self.check_mode:
            return function(*args, **kwargs)
        return None

    def exit(self, **result):
        """Exit with ``changed``, the module's values and, with --diff, the recorded diff."""
        self.result.update(result)
        if self.ansible._diff and self._diff is not None:
            self.result["diff"] = self._diff
        self.ansible.exit_json(**self.result)
