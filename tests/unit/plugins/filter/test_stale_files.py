from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import hashlib

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.discovery.consul_dns.plugins.filter.stale_files import content_digest, stale_files
from ansible_collections.discovery.consul_dns.plugins.modules.host_state import file_digests

SECRET = u"acl {\n  tokens {\n    agent = \"7c6f\u00e9\"\n  }\n}\n"


def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_a_file_with_content_is_compared_by_content():
    files = [{"path": "/a", "content": "x\n"}, {"path": "/c", "content": "c"}]
    assert stale_files(files, {"/a": "x\n", "/c": "c"}) == []
    assert stale_files(files, {"/a": "x", "/c": None}) == files
    assert stale_files(files, {}) == files   # not read at all: stale


def test_a_secret_is_compared_by_the_digest_of_its_wanted_content():
    files = [{"path": "/a", "content": "x\n"}, {"path": "/s", "secret_content": SECRET}]
    assert content_digest(SECRET) == sha256(SECRET)
    assert stale_files(files, {"/a": "x\n"}, {"/s": sha256(SECRET)}) == []
    assert stale_files(files, {"/a": "x\n"}, {"/s": sha256(SECRET + "\n")}) == [files[1]]


def test_a_secret_absent_on_the_host_or_not_digested_is_stale():
    files = [{"path": "/s", "secret_content": "token\n"}]
    assert stale_files(files, {}, {"/s": None}) == files
    assert stale_files(files, {}, {}) == files
    assert stale_files(files, {}) == files   # no digests given at all


def test_a_secret_is_never_compared_by_content():
    files = [{"path": "/s", "secret_content": "token\n"}]
    # content read back from the host is refused, even when it would match, and the error names no content
    with pytest.raises(AnsibleFilterError) as refused:
        stale_files(files, {"/s": "token\n"}, {"/s": sha256("token\n")})
    assert "token\n" not in str(refused.value) and "digest_files" in str(refused.value)
    # nor is a digest of the content compared with the content, or the content with a digest
    assert stale_files(files, {}, {"/s": "token\n"}) == files


def test_the_digests_host_state_computes_are_the_ones_compared(tmp_path):
    written = tmp_path / "acl-tokens.hcl"
    written.write_bytes(SECRET.encode("utf-8"))   # as config_files writes secret_content
    paths = [str(written), str(tmp_path / "absent")]
    digests = file_digests(paths)
    assert digests == {paths[0]: sha256(SECRET), paths[1]: None}
    assert stale_files([{"path": paths[0], "secret_content": SECRET}], {}, digests) == []
    assert stale_files([{"path": paths[1], "secret_content": SECRET}], {}, digests) != []


def test_every_entry_needs_a_path():
    with pytest.raises(AnsibleFilterError):
        stale_files([{"secret_content": "s"}], {}, {})


def test_the_refusals_in_words():
    with pytest.raises(AnsibleFilterError) as caught:
        stale_files([{"content": "x"}], {})
    assert str(caught.value) == "stale_files: every entry needs a path, got {'content': 'x'}"
    with pytest.raises(AnsibleFilterError) as caught:
        stale_files([{"path": "/s", "secret_content": "token\n"}], {"/s": None})
    assert str(caught.value) == ("stale_files: /s holds a secret and is compared by digest only; read it with "
                                 "host_state's digest_files, not read_files")


def test_an_entry_without_a_secret_is_compared_by_content_even_when_its_path_was_digested():
    files = [{"path": "/a", "content": "x\n", "secret_content": None}, {"path": "/b"}]
    assert stale_files(files, {"/a": "x\n", "/b": None}, {"/a": sha256("other")}) == []
    assert stale_files(files, {"/a": "x\n"}, None) == [files[1]]
    assert stale_files([{"path": "/e", "secret_content": ""}], {}, {"/e": sha256("")}) == []


def test_content_digest_of_text_as_written():
    assert content_digest(u"\u00e9\n") == hashlib.sha256(b"\xc3\xa9\n").hexdigest()
    assert content_digest(u"\udcff") == hashlib.sha256(b"\xff").hexdigest()   # undecodable bytes read back as surrogates


def test_the_filter_is_registered_under_its_name():
    from ansible_collections.discovery.consul_dns.plugins.filter.stale_files import FilterModule
    assert FilterModule().filters() == {"stale_files": stale_files}
