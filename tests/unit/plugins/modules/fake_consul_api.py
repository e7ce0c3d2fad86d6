"""Consul's ACL HTTP API behind requests' transport (a helper module, like module_run).

``FakeConsul(...).install(monkeypatch)`` answers every request the collection's real ConsulClient
sends (through py-consul and requests), as Consul 1.8 would, with ACLs on (default deny): the
management token may do everything, any token it knows may read itself, an unknown one is "ACL
not found". Nothing leaves the process. ``requests`` lists what was sent; ``script`` holds answers
(status, body) given, in order, in place of the next ones.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import json
from collections import namedtuple

import requests
import requests.adapters
from requests.structures import CaseInsensitiveDict

from ansible.module_utils.six.moves.urllib.parse import parse_qsl, urlsplit

MANAGEMENT = "11111111-aaaa-4000-8000-000000000001"
GLOBAL_MANAGEMENT = {"ID": "00000000-0000-0000-0000-000000000001", "Name": "global-management"}

# one request as the agent saw it: ``body`` decoded from JSON (None: no body), ``token`` the X-Consul-Token header
Sent = namedtuple("Sent", "method path params token body url timeout verify cert")


class FakeConsul(object):

    def __init__(self, bootstrapped=True, reset_index=13):
        self.policies = {}      # ID -> policy
        self.tokens = {}        # AccessorID -> token
        self.requests = []
        self.script = []        # (status, body) answered in place of the next requests
        self.reset_index = reset_index
        self._ids = 0
        if bootstrapped:
            self.tokens["management"] = dict(AccessorID="management", SecretID=MANAGEMENT,
                                             Description="Bootstrap Token (Global Management)",
                                             Policies=[dict(GLOBAL_MANAGEMENT)], Local=False)

    def install(self, monkeypatch):
        monkeypatch.setattr(requests.adapters.HTTPAdapter, "send",
                            lambda adapter, request, **kwargs: self._send(request, **kwargs))
        return self

    # what tests look at -----------------------------------------------------------------------

    def writes(self):
        """(method, path, body) of every request that is no read."""
        return [(r.method, r.path, r.body) for r in self.requests if r.method != "GET"]

    def add_policy(self, **policy):
        policy.setdefault("ID", self._new_id("policy"))
        self.policies[policy["ID"]] = dict(dict(Description="", Rules="", Datacenters=None), **policy)
        return policy["ID"]

    def add_token(self, **token):
        token.setdefault("AccessorID", self._new_id("accessor"))
        token.setdefault("SecretID", self._new_id("secret"))
        self.tokens[token["AccessorID"]] = self._token(token)
        return token["AccessorID"]

    def by_description(self, description):
        return [t for t in self.tokens.values() if t["Description"] == description]

    # the agent --------------------------------------------------------------------------------

    def _new_id(self, kind):
        self._ids += 1
        return "%s-%04d" % (kind, self._ids)

    def _token(self, token):
        """A token as Consul stores and returns it: policies linked by ID and name, empty lists left out."""
        token = copy.deepcopy(token)
        links = []
        for link in token.get("Policies") or []:
            found = [p for p in self.policies.values() if p["Name"] == link.get("Name") or p["ID"] == link.get("ID")]
            links.append(dict(ID=found[0]["ID"], Name=found[0]["Name"]) if found else dict(link))
        token["Policies"] = links
        for field in ("Policies", "ServiceIdentities", "NodeIdentities"):
            if not token.get(field):
                token.pop(field, None)
        token["Local"] = bool(token.get("Local"))
        token.update(CreateIndex=7, ModifyIndex=7, Hash="aGFzaA==")
        return token

    def _send(self, request, **kwargs):
        url = urlsplit(request.url)
        body = request.body
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        sent = Sent(request.method, url.path, parse_qsl(url.query, keep_blank_values=True),
                    request.headers.get("X-Consul-Token"), json.loads(body) if body else None, request.url,
                    kwargs.get("timeout"), kwargs.get("verify"), kwargs.get("cert"))
        self.requests.append(sent)
        if self.script:
            status, answer = self.script.pop(0)
        else:
            status, answer = self._answer(sent)
        response = requests.Response()
        response.status_code = status
        response._content = (answer if isinstance(answer, str) else json.dumps(answer)).encode("utf-8")
        response.headers = CaseInsensitiveDict({"Content-Type": "application/json", "X-Consul-Index": "42"})
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response

    def _holder(self, secret):
        found = [t for t in self.tokens.values() if secret and t["SecretID"] == secret]
        return found[0] if found else None

    def _answer(self, sent):
        method, path = sent.method, sent.path
        if path == "/v1/acl/bootstrap" and method == "PUT":
            if self.tokens:
                return 403, "Permission denied: ACL bootstrap no longer allowed (reset index: %d)" % self.reset_index
            self.add_token(AccessorID="management", Description="Bootstrap Token (Global Management)",
                           Policies=[dict(GLOBAL_MANAGEMENT)])
            return 200, self.tokens["management"]
        holder = self._holder(sent.token)
        if sent.token and holder is None:
            return 403, "ACL not found"
        if path == "/v1/acl/token/self" and method == "GET":
            return (200, holder) if holder else (403, "ACL not found")
        if not holder or GLOBAL_MANAGEMENT not in holder.get("Policies", []):
            return 403, "Permission denied"
        for kind, store, key, listing in (("policy", self.policies, "ID", "/v1/acl/policies"),
                                          ("token", self.tokens, "AccessorID", "/v1/acl/tokens")):
            if path == listing and method == "GET":
                return 200, [self._stub(kind, item) for item in store.values()]
            item_path = "/v1/acl/%s" % kind
            if path == item_path and method == "PUT":
                return self._write(kind, store, key, None, sent.body)
            if path.startswith(item_path + "/"):
                ident = path[len(item_path) + 1:]
                if ident not in store:
                    return 403, "ACL not found"
                if method == "GET":
                    return 200, store[ident]
                if method == "PUT":
                    return self._write(kind, store, key, ident, sent.body)
                if method == "DELETE":
                    del store[ident]
                    return 200, "true"
        return 404, "no such endpoint: %s %s" % (method, path)

    @staticmethod
    def _stub(kind, item):
        if kind == "policy":   # Consul lists policies without their rules
            return dict((k, v) for k, v in item.items() if k != "Rules")
        return copy.deepcopy(item)

    def _write(self, kind, store, key, ident, body):
        if kind == "policy":
            others = [p for p in store.values() if p["Name"] == body.get("Name") and p["ID"] != ident]
            if others:
                return 500, "Invalid Policy: A Policy with Name %s already exists" % body["Name"]
            item = dict(dict(Description="", Rules="", Datacenters=None), **body)
            item["ID"] = ident or self._new_id("policy")
            store[item["ID"]] = item
            return 200, item
        item = dict(body)
        if ident:
            item.update(AccessorID=ident, SecretID=store[ident]["SecretID"])
        else:
            item.update(AccessorID=self._new_id("accessor"), SecretID=self._new_id("secret"))
        store[item[key]] = self._token(item)
        return 200, store[item[key]]
