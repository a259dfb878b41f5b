"""A fixture OSDI 1.x server on 127.0.0.1, written from the specification's documented
examples (an Action Network-shaped API: the ``osdi`` curie, ``_embedded``,
``osdi:events``, ``total_pages``/``page`` and ``_links.next`` paging, the record
attendance helper), with switches for the ways a real server goes wrong.

Every request is logged in ``server.requests`` so tests can tell what was fetched.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PER_PAGE = 2


def an_event(number: int, **changes) -> dict:
    """An event resource shaped like the OSDI docs' example (and Action Network's)."""
    event = {
        "identifiers": [f"action_network:{number:04d}-fixture"],
        "origin_system": "Action Network",
        "created_date": "2026-03-01T10:00:00Z",
        "modified_date": "2026-03-02T10:00:00Z",
        "title": f"Neighbourhood assembly {number}",
        "name": f"assembly-{number}",
        "description": "<p>Come <strong>along</strong>!</p><script>alert(1)</script>",
        "browser_url": f"https://events.example.org/assembly-{number}",
        "start_date": "2026-09-12T17:00:00Z",
        "end_date": "2026-09-12T19:00:00Z",
        "status": "confirmed",
        "visibility": "public",
        "location": {
            "venue": "Community hall",
            "address_lines": ["1 Example Street"],
            "locality": "Exampleton",
            "postal_code": "00000",
            "location": {"latitude": 51.5, "longitude": -0.1, "accuracy": "Rooftop"},
        },
        "tags": ["clean-air"],
    }
    event.update(changes)
    return event


class FixtureOsdi:
    """State and switches of the fixture server; ``url`` is its entry point."""

    def __init__(self):
        self.events: list[dict] = [an_event(n) for n in range(1, 4)]
        self.requests: list[str] = []
        self.headers: list[dict] = []
        self.mode = "ok"  # slow, down, status, malformed, wrong_types, huge, loop, elsewhere,
        # link_elsewhere
        self.status = 500
        self.rsvps: list[dict] = []
        self.filter_supported = True
        self.helpers = True  # each event links to its record attendance helper
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/api/v2/"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> FixtureOsdi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- Documents ---------------------------------------------------------------

    def entry_point(self) -> dict:
        return {
            "motd": "Welcome to the fixture OSDI API",
            "max_pagesize": 25,
            "vendor_name": "Fixture",
            "_links": {
                "curies": [
                    {"name": "osdi", "href": "https://example.org/docs/v2/{rel}", "templated": True}
                ],
                "self": {"href": self.url},
                "osdi:events": {"href": f"{self.base}/api/v2/events", "title": "The events"},
            },
        }

    def events_page(self, page: int, query: dict) -> dict:
        chosen = self.events
        raw = query.get("filter", [""])[0]
        if raw:
            moment = raw.split("'")[1]
            chosen = [e for e in chosen if e["modified_date"] > moment]
        total_pages = max(1, -(-len(chosen) // PER_PAGE))
        items = chosen[(page - 1) * PER_PAGE : page * PER_PAGE]
        for item in items:
            number = item["identifiers"][0].split(":")[1]
            item.setdefault("_links", {})["self"] = {"href": f"{self.base}/api/v2/events/{number}"}
            if self.helpers:
                item["_links"]["osdi:record_attendance_helper"] = {
                    "href": f"{self.base}/api/v2/events/{number}/attendances"
                }
        links = {
            "self": {"href": f"{self.base}/api/v2/events?page={page}"},
            "osdi:events": [item["_links"]["self"] for item in items],
            "curies": [
                {"name": "osdi", "href": "https://example.org/docs/v2/{rel}", "templated": True}
            ],
        }
        if page < total_pages:
            # "link_elsewhere": the next page is on another host name (the same address).
            base = (
                self.base.replace("127.0.0.1", "localhost")
                if self.mode == "link_elsewhere"
                else self.base
            )
            links["next"] = {"href": f"{base}/api/v2/events?page={page + 1}"}
        return {
            "total_pages": total_pages,
            "per_page": PER_PAGE,
            "page": page,
            "total_records": len(chosen),
            "_links": links,
            "_embedded": {"osdi:events": items},
        }

    # --- The handler -------------------------------------------------------------

    def _handler(self):
        fixture = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _send(self, status: int, body: bytes, headers: dict | None = None):
                self.send_response(status)
                self.send_header("Content-Type", "application/hal+json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                fixture.requests.append("POST " + self.path)
                length = int(self.headers.get("Content-Length") or 0)
                fixture.rsvps.append(json.loads(self.rfile.read(length) or b"{}"))
                self._send(200, b'{"identifiers": ["action_network:rsvp"]}')

            def do_GET(self):
                fixture.requests.append(self.path)
                fixture.headers.append(dict(self.headers))
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                mode = fixture.mode
                if parts.path == "/api/v2/":
                    if mode == "down":
                        self.close_connection = True
                        self.connection.close()
                        return
                    if mode == "loop":
                        return self._send(302, b"", {"Location": "/api/v2/again"})
                    if mode == "elsewhere":
                        return self._send(
                            302, b"", {"Location": "http://localhost.example.invalid/api/v2/"}
                        )
                    return self._send(200, json.dumps(fixture.entry_point()).encode())
                if parts.path == "/api/v2/again":
                    return self._send(302, b"", {"Location": "/api/v2/"})
                if parts.path == "/api/v2/events":
                    if mode == "slow":
                        time.sleep(3)
                    if mode == "status":
                        return self._send(fixture.status, b'{"error": "no"}')
                    if mode == "malformed":
                        return self._send(200, b'{"_embedded": {"osdi:events": [')
                    if mode == "wrong_types":
                        body = fixture.events_page(1, {})
                        body["_embedded"]["osdi:events"][0]["start_date"] = 12
                        return self._send(200, json.dumps(body).encode())
                    if mode == "huge":
                        return self._send(200, b'{"padding": "' + b"x" * 3_000_000 + b'"}')
                    if query.get("filter") and not fixture.filter_supported:
                        return self._send(400, b'{"error": "filter"}')
                    page = int(query.get("page", ["1"])[0])
                    return self._send(200, json.dumps(fixture.events_page(page, query)).encode())
                self._send(404, b'{"error": "not found"}')

        return Handler
