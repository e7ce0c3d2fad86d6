from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from fake_clock import FakeClock

from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_client import ConsulDenied, ConsulError
from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_module import ConsulModule, OptionError
from ansible_collections.discovery.consul_dns.plugins.modules.consul_acl_bootstrap import bootstrap
from ansible_collections.discovery.consul_dns.plugins.modules.consul_catalog_services_info import wait_for_services


class Ended(Exception):
    pass


class FakeAnsibleModule(object):
    """What ConsulModule uses of AnsibleModule: params, check mode, diff, no_log_values, exit and fail."""

    def __init__(self, argument_spec, supports_check_mode, check_mode=False, diff=False, **kwargs):
        self.argument_spec, self.kwargs = argument_spec, kwargs
        self.params = dict((name, spec.get("default")) for name, spec in argument_spec.items())
        self.check_mode, self._diff, self.no_log_values = check_mode, diff, set()
        self.ended = None

    def exit_json(self, **result):
        self.ended = result
        raise Ended()

    def fail_json(self, **result):
        self.ended = dict(result, failed=True)
        raise Ended()


def module(check_mode=False, diff=False):
    return ConsulModule(dict(name=dict(type="str", default="x")), module_class=FakeAnsibleModule,
                        check_mode=check_mode, diff=diff)


def test_the_connection_options_are_merged_and_not_redefined():
    assert {"host", "token", "request_timeout", "name"} <= set(module().ansible.argument_spec)
    with pytest.raises(ValueError, match="^options host, token are connection options$"):
        ConsulModule(dict(token=dict(type="str"), host=dict(type="str"), name=dict(type="str")), module_class=FakeAnsibleModule)


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_change_is_applied_outside_check_mode_and_shown_with_diff_only(check_mode):
    applied = []
    for diff in (False, True):
        mod = module(check_mode=check_mode, diff=diff)
        assert mod.change(None, dict(Name="x")) is True
        mod.apply(applied.append, "x")
        with pytest.raises(Ended):
            mod.exit(value=1)
        assert mod.ansible.ended["changed"] is True and mod.ansible.ended["value"] == 1
        assert ("diff" in mod.ansible.ended) is diff
        if diff:
            assert mod.ansible.ended["diff"] == dict(before={}, after=dict(Name="x"))
    assert applied == ([] if check_mode else ["x", "x"])


def test_a_keyed_diff_holds_what_changed_only():
    mod = module(diff=True)
    mod.keyed_diff()
    assert mod.change(dict(a=1), dict(a=1), key="same") is False
    assert mod.change(None, dict(a=2), key="new") is True
    assert mod.change(dict(a=3), None, key="gone") is True
    with pytest.raises(Ended):
        mod.exit()
    assert mod.ansible.ended["diff"] == dict(before=dict(gone=dict(a=3)), after=dict(new=dict(a=2)))


def test_a_keyed_change_without_keyed_diff_starts_one_and_a_keyed_diff_alone_stays_empty():
    mod = module(diff=True)
    assert mod.change(None, dict(a=1), key="new") is True
    with pytest.raises(Ended):
        mod.exit()
    assert mod.ansible.ended["diff"] == dict(before={}, after=dict(new=dict(a=1)))
    mod = module(diff=True)
    mod.keyed_diff()
    with pytest.raises(Ended):
        mod.exit()
    assert mod.ansible.ended["diff"] == dict(before={}, after={})


def test_apply_passes_every_argument_and_returns_what_the_call_returned():
    assert module().apply(lambda *args, **kwargs: (args, kwargs), "a", 1, dc="dc2") == (("a", 1), {"dc": "dc2"})
    assert module(check_mode=True).apply(lambda *args, **kwargs: "written", "a") is None


@pytest.mark.parametrize("error,msg", [
    (ConsulError("Consul failed reading x"), "Consul failed reading x"),
    (OptionError("service_id", "web01 is not registered"), "service_id: web01 is not registered"),
])
def test_errors_end_the_module_with_their_message_and_the_result_so_far(error, msg):
    mod = module()
    mod.result["registered"] = ["web01"]
    with pytest.raises(Ended):
        with mod.errors():
            raise error
    assert mod.ansible.ended == dict(failed=True, msg=msg, changed=False, registered=["web01"])


def test_a_refusal_ends_the_module_with_consuls_status_for_a_task_to_retry_on():
    """A task's until: reads status 403 (a token whose permissions the agents have not caught up with
    yet), never the message's text."""
    mod = module()
    with pytest.raises(Ended):
        with mod.errors():
            raise ConsulDenied("Consul refused registering web01: permission denied", status=403)
    assert mod.ansible.ended["status"] == 403 and mod.ansible.ended["failed"]


class Cluster(object):
    """Answers from a script, one entry per try, the last repeated."""

    def __init__(self, has_token=False, self_answers=(), bootstrap_answers=(), catalogs=()):
        self.has_token = has_token
        self.self_answers, self.bootstrap_answers, self.catalogs = list(self_answers), list(bootstrap_answers), list(catalogs)
        self.bootstraps = 0

    @staticmethod
    def _next(script):
        answer = script.pop(0) if len(script) > 1 else script[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def acl_token_self(self):
        return self._next(self.self_answers)

    def acl_bootstrap(self):
        self.bootstraps += 1
        return self._next(self.bootstrap_answers)

    def catalog_services(self):
        return self._next(self.catalogs)


DENIED_BEFORE = ConsulDenied("Consul denied bootstrapping ACLs", status=403,
                             answer="Permission denied: ACL bootstrap no longer allowed (reset index: 13)")
LEGACY = ConsulError("Consul failed bootstrapping ACLs: 500 The ACL system is currently in legacy mode.", status=500)


def test_bootstrap_waits_out_legacy_mode_then_gets_the_token():
    clock = FakeClock()
    cluster = Cluster(bootstrap_answers=[LEGACY, LEGACY, {"SecretID": "s", "AccessorID": "a"}])
    assert bootstrap(cluster, False, 60, 1, clock, clock.sleep) == ("bootstrapped", {"SecretID": "s", "AccessorID": "a"})
    assert clock() == 2


def test_a_bootstrapped_cluster_is_reported_with_its_reset_index_and_a_working_token_asks_nothing():
    clock = FakeClock()
    assert bootstrap(Cluster(bootstrap_answers=[DENIED_BEFORE]), False, 60, 1, clock, clock.sleep) == \
        ("bootstrapped_before", {"reset_index": 13})
    denied = ConsulDenied("denied", status=403, answer="ACL not found")
    cluster = Cluster(has_token=True, self_answers=[denied], bootstrap_answers=[DENIED_BEFORE])
    assert bootstrap(cluster, False, 60, 1, clock, clock.sleep)[0] == "bootstrapped_before"
    cluster = Cluster(has_token=True, self_answers=[{"AccessorID": "a"}])
    assert bootstrap(cluster, False, 60, 1, clock, clock.sleep) == ("token_valid", {}) and cluster.bootstraps == 0
    cluster = Cluster(bootstrap_answers=[DENIED_BEFORE])
    assert bootstrap(cluster, True, 60, 1, clock, clock.sleep) == ("bootstrapped", {}) and cluster.bootstraps == 0


def test_bootstrap_never_tries_a_refusal_again_and_gives_up_at_the_timeout():
    clock = FakeClock()
    other = ConsulDenied("Consul denied bootstrapping ACLs: Permission denied", status=403, answer="Permission denied")
    with pytest.raises(ConsulDenied):
        bootstrap(Cluster(bootstrap_answers=[other]), False, 60, 1, clock, clock.sleep)
    assert clock() == 0
    with pytest.raises(ConsulError, match="legacy mode"):
        bootstrap(Cluster(bootstrap_answers=[LEGACY]), False, 5, 1, clock, clock.sleep)
    assert clock() == 5


def test_catalog_is_read_until_the_services_are_there_or_the_timeout():
    clock = FakeClock()
    cluster = Cluster(catalogs=[{"consul": []}, {"consul": [], "web": ["blue"]}])
    assert wait_for_services(cluster, ["web"], 15, 1, clock, clock.sleep) == ({"consul": [], "web": ["blue"]}, [], 1)
    assert wait_for_services(cluster, ["web", "api"], 3, 1, clock, clock.sleep)[1:] == (["api"], 3)
