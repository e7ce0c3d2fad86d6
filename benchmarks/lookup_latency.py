"""5. Lookup latency: consul_backends for a 100-instance service, via http and via dns, per call.

The reference is community.general.dig asking the same agent's DNS port for the same name. All
three run in this process, as a template would call them, against one real agent on loopback.
Usage: python benchmarks/lookup_latency.py [calls per lookup, default 200]
"""

import sys
import time
from statistics import median

from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader, lookup_loader

from bench import percentile, report, say
from harness import ConsulAgent

INSTANCES = 100


def per_call_ms(lookup, terms, options, calls, expected):
    lookup.run(terms, variables={}, **options)  # warm-up: imports, connections
    timings = []
    for _call in range(calls):
        start = time.perf_counter()
        result = lookup.run(terms, variables={}, **options)
        timings.append(1000 * (time.perf_counter() - start))
    if len(result) != expected:
        raise SystemExit("%s returned %d backends, not %d" % (lookup._load_name, len(result), expected))
    return timings


def main():
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    agent = ConsulAgent("bench-lookup").start()
    try:
        for i in range(INSTANCES):
            agent.api("PUT", "/v1/agent/service/register",
                      json=dict(ID="bench100-%d" % i, Name="bench100", Address="127.0.3.%d" % (i + 1), Port=8000))
        init_plugin_loader()  # collections from ANSIBLE_COLLECTIONS_PATH (tests/env.sh) and the venv
        loader = DataLoader()
        ours = lookup_loader.get("discovery.consul_dns.consul_backends", loader=loader, templar=None)
        dig = lookup_loader.get("community.general.dig", loader=loader, templar=None)
        name = "bench100.service.consul"
        dns = dict(via="dns", dns_server="127.0.0.1", dns_port=agent.ports["dns"])
        cases = [
            ("community.general.dig (A over TCP)", dig, [name, "@127.0.0.1"],
             dict(port=agent.ports["dns"], tcp=True)),
            ("consul_backends via http", ours, ["bench100"], dict(port=agent.ports["http"])),
            ("consul_backends via dns", ours, ["bench100"], dns),
        ]
        results = []
        for what, lookup, terms, options in cases:
            say("%d calls: %s" % (calls, what))
            results.append((what, per_call_ms(lookup, terms, options, calls, INSTANCES)))
        reference_name, reference = results[0]
        for what, timings in results:
            report("%s, median per call" % what, median(timings), "ms", reference_name, median(reference), digits=2)
            report("%s, p95 per call" % what, percentile(timings, 0.95), "ms", reference_name,
                   percentile(reference, 0.95), digits=2)
    finally:
        agent.stop()


if __name__ == "__main__":
    main()
