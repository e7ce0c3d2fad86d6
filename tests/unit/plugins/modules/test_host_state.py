from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.discovery.consul_dns.plugins.modules.host_state import link_targets, requirements_met, venv_distributions


def make_dist(venv, name, version):
    folder = venv / "lib" / "python3.11" / "site-packages" / ("%s-%s.dist-info" % (name.replace("-", "_"), version))
    folder.mkdir(parents=True)
    (folder / "METADATA").write_text("Metadata-Version: 2.1\nName: %s\nVersion: %s\n\nName: not-a-header\n" % (name, version))


def test_distributions_are_read_from_the_venv_metadata(tmp_path):
    make_dist(tmp_path, "py-consul", "1.6.0")
    make_dist(tmp_path, "Requests", "2.32.3")
    assert venv_distributions(str(tmp_path)) == {"py-consul": "1.6.0", "requests": "2.32.3"}


@pytest.mark.parametrize("requirements, met", [
    (["py-consul>=1.5"], True), (["py-consul>=1.7"], False), (["py_consul"], True), (["requests==2.32.3"], True),
    (["absent-package"], False), ([], True)])
def test_requirements(requirements, met):
    assert requirements_met(requirements, {"py-consul": "1.6.0", "requests": "2.32.3"}) is met


def test_links_among_the_files_read_are_named_with_their_targets(tmp_path):
    (tmp_path / "stub-resolv.conf").write_text("nameserver 127.0.0.53\n")
    (tmp_path / "resolv.conf").symlink_to("stub-resolv.conf")
    paths = [str(tmp_path / "resolv.conf"), str(tmp_path / "stub-resolv.conf"), str(tmp_path / "absent")]
    assert link_targets(paths) == {paths[0]: "stub-resolv.conf"}
