"""A local SMTP sink for the benchmarks: accepts every message on loopback, keeps none.

``python -m bench.smtp_sink --port 2525 --log /tmp/rcpts.txt`` listens on
127.0.0.1 only (aiosmtpd) and appends one line per delivered recipient to the
log, so a benchmark can check that each address received exactly one message.
It stops on SIGTERM or Ctrl-C.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

HOST = "127.0.0.1"


class CountingHandler:
    """Writes each recipient of each accepted message to the log, one per line."""

    def __init__(self, log: Path) -> None:
        self.sink = log.open("a", buffering=1)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.sink.write("".join(f"{rcpt.lower()}\n" for rcpt in envelope.rcpt_tos))
        return "250 Message accepted for delivery"


def main(argv: list[str] | None = None) -> int:
    from aiosmtpd.controller import Controller

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", type=Path, required=True, help="one line per recipient")
    args = parser.parse_args(argv)
    handler = CountingHandler(args.log)
    controller = Controller(handler, hostname=HOST, port=args.port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"smtp sink on {HOST}:{args.port}", flush=True)
    stop.wait()
    controller.stop()
    handler.sink.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
