#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: consul_acl_token_info
short_description: Describe the ACL token the module is given, as Consul knows it
version_added: 0.5.0
description:
  - Reads the token of O(token) (or O(token_file), or E(CONSUL_HTTP_TOKEN)) from Consul
    (C(GET /v1/acl/token/self)), which token it is, its description and what it grants. Any valid
    token may read itself; no other permission is needed.
  - Fails, saying so, when Consul does not know the token (deleted, or of another cluster), a check
    that a token works.
  - Never returns the token's secret.
extends_documentation_fragment:
  - discovery.consul_dns.connection
attributes:
  check_mode:
    support: full
    description: Only reads; reads in check mode too.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show.
options: {}
seealso:
  - module: discovery.consul_dns.consul_acl_token
  - module: discovery.consul_dns.consul_acl_bootstrap
author:
  - discovery.consul_dns maintainers (@discovery)
"""

EXAMPLES = r"""
- name: Which token the management token is (and that it works)
  discovery.consul_dns.consul_acl_token_info:
    token: "{{ consul_management_token }}"
  register: management
  no_log: true

- name: Say which
  ansible.builtin.debug:
    msg: "{{ management.token.AccessorID }}: {{ management.token.Description }}"
"""

RETURN = r"""
token:
  description: The token as Consul describes it, with Consul's field names, without C(SecretID).
  returned: success
  type: dict
  contains:
    AccessorID:
      description: Public ID of the token.
      type: str
    Description:
      description: Description of the token.
      type: str
    Policies:
      description: The policies linked to the token, each with C(ID) and C(Name).
      type: list
      elements: dict
    Local:
      description: Whether the token is kept in its datacenter only.
      type: bool
  sample: {"AccessorID": "6a1253d2-1785-24fd-91c2-f8e78c745511", "Description": "Bootstrap Token (Global Management)",
           "Policies": [{"ID": "00000000-0000-0000-0000-000000000001", "Name": "global-management"}], "Local": false}
"""

from ansible_collections.discovery.consul_dns.plugins.module_utils.consul_module import ConsulModule, OptionError


def main():
    module = ConsulModule(argument_spec=dict())
    with module.errors():
        if not module.client.has_token:
            raise OptionError("token", "no token was given (option token or token_file, or CONSUL_HTTP_TOKEN)")
        token = module.client.acl_token_self()
    token = dict((key, value) for key, value in (token or {}).items() if key != "SecretID")
    module.exit(token=token)


if __name__ == "__main__":
    main()
