import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.discovery.consul_dns.plugins.filter.dnsmasq import alias_targets, alias_watches, aliases_of, reverse_zone
from ansible_collections.discovery.consul_dns.plugins.filter.first_version import first_version
from ansible_collections.discovery.consul_dns.plugins.filter.resolv_conf import search_domains


def test_each_alias_gets_its_local_name_tag_first():
    aliases = [{"name": "web.example.com", "service": "web"}, {"name": "v2.example.com", "service": "web", "tag": "v2"},
               {"name": "w.example.com", "service": "web", "tag": ""}]
    targets = [alias["target"] for alias in alias_targets(aliases, "zhangeamon.com")]
    assert targets == ["web.alias.zhangeamon.com", "v2.web.alias.zhangeamon.com", "web.alias.zhangeamon.com"]
    assert alias_targets(aliases, "d")[1]["name"] == "v2.example.com"   # the alias itself is kept


@pytest.mark.parametrize("cidr, zone", [("10.1.88.0/24", "88.1.10.in-addr.arpa"), ("10.1.0.0/16", "1.10.in-addr.arpa"),
                                        ("10.0.0.0/8", "10.in-addr.arpa"), ("10.1.88.7/24", "88.1.10.in-addr.arpa")])
def test_reverse_zone_of_octet_boundaries(cidr, zone):
    assert reverse_zone(cidr) == zone


@pytest.mark.parametrize("cidr", ["10.1.88.0/20", "fd00::/64", "not-a-network", "10.1.88.0/24\nserver=/x/1.2.3.4",
                                  "010.1.88.0/24", "10.1.88.0/024", u"\u0661\u0660.1.88.0/24", "10.1.88.0/24\n"])
def test_reverse_zone_refuses_what_has_no_zone_of_its_own(cidr):
    with pytest.raises(AnsibleFilterError):
        reverse_zone(cidr)


@pytest.mark.parametrize("text, version", [("Consul v1.8.7\nRevision 1\n", "1.8.7"), ("1.8.7+dfsg1-2+b3", "1.8.7"),
                                           ("1:2.90-4", "2.90"), ("", ""), (None, ""), ("no version", "")])
def test_first_version(text, version):
    assert first_version(text) == version


@pytest.mark.parametrize("value, valid", [("0", True), ("0s", True), ("5s", True), ("1m30s", True), ("250ms", True),
                                          ("1.5h", True), ("5", False), ("5 s", False), ("", False), ("1d", False),
                                          ("5s\nrecursors = []", False)])
def test_go_duration(value, valid):
    from ansible_collections.discovery.consul_dns.plugins.test.durations import is_go_duration
    assert is_go_duration(value) is valid


def test_aliases_of_an_instance():
    aliases = [{"name": "w", "service": "web"}, {"name": "r", "service": "web", "tag": "rails"},
               {"name": "e", "service": "web", "tag": ""}, {"name": "a", "service": "api"}]
    assert [alias["name"] for alias in aliases_of(aliases, "web", ["rails"])] == ["w", "r", "e"]
    assert [alias["name"] for alias in aliases_of(aliases, "web")] == ["w", "e"]


def test_check_hold_seconds():
    from ansible_collections.discovery.consul_dns.plugins.filter.checks import check_hold_seconds
    seed = {"tcp": "10.1.88.84:22", "interval": "1s", "timeout": "1s", "failures_before_critical": 3}
    assert check_hold_seconds([seed]) == 4.0
    assert check_hold_seconds([{"http": "http://x/", "interval": "10s"}, seed]) == 20.0   # at least one failure
    assert check_hold_seconds([{"ttl": "30s"}]) == 0.0 and check_hold_seconds([]) == 0.0
    with pytest.raises(AnsibleFilterError):
        check_hold_seconds([{"tcp": "x:1", "interval": "1"}])


@pytest.mark.parametrize("text, domains", [
    ("nameserver 10.0.0.2\nsearch corp.example lab.example\n", ["corp.example", "lab.example"]),
    ("domain old.example\nsearch new.example\n", ["new.example"]),          # glibc: the last line wins
    ("search first.example\ndomain last.example\n", ["last.example"]),
    ("nameserver 127.0.0.53\nsearch .\n", []),                                # systemd-resolved's stub file
    ("search ok.example bad;name\n", ["ok.example"]),                         # nothing but DNS names is kept
    ("nameserver 10.0.0.2\n", []), (None, []), ("", [])])
def test_search_domains_are_those_glibc_would_take(text, domains):
    assert search_domains(text) == domains


def test_alias_watches_one_per_target_naming_its_file_and_the_agent():
    aliases = [dict(name="web.example.com", service="web"), dict(name="www.example.com", service="web"),
               dict(name="v2.example.com", service="web", tag="v2")]
    handler = dict(python="/usr/bin/python3", path="/usr/local/lib/h.py", alias_dir="/var/lib/a/",
                   api_url="https://127.0.0.1:8501", ca_file="/etc/consul.d/tls/ca.pem", token_file="/etc/consul.d/agent.token")
    watches = alias_watches(aliases, "d", handler)
    assert [(w["service"], w["tag"], w["passingonly"]) for w in watches] == [("web", "", True), ("web", "v2", True)]
    args = watches[1]["args"]
    assert args[:2] == ["/usr/bin/python3", "/usr/local/lib/h.py"]
    assert args[args.index("--file") + 1] == "/var/lib/a/v2.web.alias.d.hosts"
    assert args[args.index("--name") + 1] == "v2.web.alias.d" and args[args.index("--tag") + 1] == "v2"
    assert args[args.index("--client-cert") + 1] == "" and args[-2:] == ["--token-file", "/etc/consul.d/agent.token"]
    assert "--token-file" not in alias_watches(aliases, "d", dict(handler, token_file=""))[0]["args"]
