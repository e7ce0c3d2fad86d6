# Copyright (c) discovery.consul_dns contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Consul watch handler: keeps a dnsmasq hostsdir file listing the healthy addresses of a service.

Consul runs it (a `service` watch with passingonly) with the passing instances as JSON on stdin.
dnsmasq re-reads the file by itself, and a `cname=<alias>,<name>` line makes the alias answer a
CNAME plus these addresses.

While an agent restarts or resyncs, Consul calls watch handlers with empty and then partial lists
for about half a second. So a list that would remove addresses is never trusted as it is: the
handler asks the agent for a consistent (leader-confirmed) read and publishes that; when that read
fails, the file is left as it was. Only a confirmed empty list empties the file (the alias then
answers its CNAME with no address, never a stale one). Writes are atomic (rename).

With --fetch it reads no stdin and publishes the leader-confirmed list itself: the dnsmasq role runs it
so when it adds an alias or a new handler, as the agent's watch may have run before either existed.

Only IP addresses are ever written: whoever may register a service decides its Address, and a
hosts file line holds names after the address. Only strict address text is taken (ASCII, no IPv6
zone ID, no leading zeros) and written in its canonical form. Anything else is dropped and logged (journal and
stderr) with the service and instance it came from.
"""

import argparse
import ipaddress
import json
import os
import re
import ssl
import sys
import syslog
import tempfile
import time
import urllib.parse
import urllib.request


def log(message):
    sys.stderr.write(message + "\n")
    syslog.openlog("consul-dns-alias-watch")
    syslog.syslog(syslog.LOG_WARNING, message)


# A copy of parse_ip_address and its patterns from the collection's plugins/module_utils/dns_names.py
# (this handler runs without the collection); tests/unit/roles/test_alias_watch.py fails when they differ.
# ipaddress alone is not a gate: it takes IPv6 zone IDs holding anything ('fe80::1%x\n6.6.6.6 www'),
# which would become a hosts file line of its own.
_IPV4_TEXT = r"(?:0|[1-9][0-9]{0,2})(?:\.(?:0|[1-9][0-9]{0,2})){3}"
_IP_ADDRESS_TEXT_RE = re.compile(
    r"(?:%s|[0-9A-Fa-f:]*:[0-9A-Fa-f:]*(?:(?<=:)%s)?)\Z" % (_IPV4_TEXT, _IPV4_TEXT))
_IP_ADDRESS_MAX_LENGTH = 45


def parse_ip_address(value):
    """The canonical text of an IPv4 or IPv6 address ('10.1.88.84', '::1'), or None for anything else."""
    if not isinstance(value, str) or len(value) > _IP_ADDRESS_MAX_LENGTH or not _IP_ADDRESS_TEXT_RE.match(value):
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def addresses_of(entries):
    """Sorted unique IP addresses of /v1/health/service entries (service address, else the node's)."""
    found = set()
    for entry in entries or []:
        service, node = entry.get("Service") or {}, entry.get("Node") or {}
        address = service.get("Address") or node.get("Address")
        if not address:
            continue
        canonical = parse_ip_address(address)
        if canonical is None:
            log("dropped instance %r of service %r on node %r: its address %r is not an IP address"
                % (service.get("ID"), service.get("Service"), node.get("Node"), address))
            continue
        found.add(canonical)
    return sorted(found)


def read_published(path, name):
    """Addresses currently in the hosts file (None when there is no file)."""
    try:
        with open(path) as handle:
            return sorted(line.split()[0] for line in handle if line.strip() and line.split()[1:2] == [name])
    except FileNotFoundError:
        return None


def tls_context(ca_file, client_cert, client_key, pause=0.2):
    """For an HTTPS agent: trust its CA and present the agent's certificate (None for plain HTTP).

    A renewal replaces the certificate and the key one after the other, each file whole: read between
    the two, they do not match. They are read once more after a pause before that counts."""
    if not ca_file:
        return None
    context = ssl.create_default_context(cafile=ca_file)
    if client_cert:
        try:
            context.load_cert_chain(client_cert, client_key or None)
        except ssl.SSLError:
            time.sleep(pause)
            context.load_cert_chain(client_cert, client_key or None)
    return context


def consistent_addresses(api_url, service, tag, token, context=None, timeout=5):
    """The passing instances as the leader confirms them, or None when the agent cannot say."""
    params = [("passing", "1"), ("consistent", "")]
    if tag:
        params.append(("tag", tag))
    request = urllib.request.Request("%s/v1/health/service/%s?%s" % (
        api_url.rstrip("/"), urllib.parse.quote(service), urllib.parse.urlencode(params)))
    if token:
        request.add_header("X-Consul-Token", token)
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            return addresses_of(json.load(response))
    except (OSError, ValueError):
        return None


def read_token(path):
    """The token in a file; empty when it cannot be read (the read then goes with the agent's default
    token, and a refused or failed read leaves the file as it is)."""
    try:
        with open(path) as handle:
            return handle.read().strip()
    except OSError as exc:
        log("cannot read the token file %s: %s" % (path, exc))
        return ""


def publish(path, name, addresses):
    """Write the hosts file atomically, only when its content changes."""
    content = "".join("%s %s\n" % (address, name) for address in addresses)
    try:
        with open(path) as handle:
            if handle.read() == content:
                return False
    except FileNotFoundError:
        pass
    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".alias-")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(content)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return True


def decide(offered, published, confirm):
    """What to publish: the offered list, or the confirmed one when the offer would remove addresses.

    Returns None to leave the file as it is.
    """
    if published is not None and not set(published) - set(offered):
        return offered
    if published is None and offered:
        return offered
    return confirm()


def main(argv=None, stdin=sys.stdin):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--file", required=True, help="hosts file in dnsmasq's hostsdir")
    parser.add_argument("--name", required=True, help="the local name the addresses are published under")
    parser.add_argument("--service", required=True)
    parser.add_argument("--tag", default="")
    parser.add_argument("--api-url", default="http://127.0.0.1:8500", help="this host's agent HTTP API")
    parser.add_argument("--ca-file", default="", help="CA of an HTTPS agent")
    parser.add_argument("--client-cert", default="", help="certificate to present to an HTTPS agent")
    parser.add_argument("--client-key", default="")
    parser.add_argument("--token-file", default="",
                        help="a token that may read the service, for the confirming read (default: the agent's)")
    parser.add_argument("--fetch", action="store_true",
                        help="ask the agent itself (a read the leader confirms) instead of reading a watch's stdin")
    args = parser.parse_args(argv)

    published = read_published(args.file, args.name)
    token = read_token(args.token_file) if args.token_file else os.environ.get("CONSUL_HTTP_TOKEN", "")

    def confirmed():
        return consistent_addresses(args.api_url, args.service, args.tag, token,
                                    tls_context(args.ca_file, args.client_cert, args.client_key))

    if args.fetch:
        # what the leader says, as it is: an empty answer empties the file, a failed read leaves it
        chosen = confirmed()
    else:
        raw = stdin.read()
        try:
            offered = addresses_of(json.loads(raw) if raw.strip() else [])
        except ValueError:
            offered = []
        chosen = decide(offered, published, confirmed)
    if chosen is not None:
        publish(args.file, args.name, chosen)
    return 0


if __name__ == "__main__":
    sys.exit(main())
