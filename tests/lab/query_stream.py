"""Asks a forwarder for a name every 50 ms until it gets SIGTERM or SIGINT, then prints what it got and
exits 1 if any answer failed (a timeout, an error rcode) or was empty: a shell script's witness that a
step it runs meanwhile (tests/molecule.sh: TLS turned on in the running cluster) never failed DNS.

    python tests/lab/query_stream.py SERVER NAME ADDRESS... &   ...   kill $!; wait $!
"""

import signal
import sys
import threading

from labdns import QueryStream


def main(server, name, *expected):
    stop = threading.Event()

    def on_signal(signum, frame):   # pylint: disable=unused-argument
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    with QueryStream(name, expected=expected, server=server) as stream:
        while not stop.wait(0.5):
            pass
    bad = stream.failed() + stream.counts["empty"]
    if bad or stream.total < stream.minimum():
        print("%s: %d failed or empty answers, %d answers in all" % (stream, bad, stream.total))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
