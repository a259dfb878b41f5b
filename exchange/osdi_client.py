"""A small, careful OSDI 1.x client: reads HAL+JSON from another organising tool's API.

It talks to servers a person typed in, so it assumes nothing of them. Its limits:

- Only ``http`` and ``https``. The host is resolved and *every* address it
  resolves to must be public: private, loopback, link-local, multicast,
  reserved and unspecified addresses are refused (server-side request
  forgery), unless ``SOURCES_ALLOW_PRIVATE_NETWORKS`` is on. The connection is
  then made to the address that was checked, so a second DNS answer cannot
  point it elsewhere.
- A connect timeout (``SOURCES_CONNECT_TIMEOUT``) and a read timeout
  (``SOURCES_READ_TIMEOUT``), and a whole response must arrive within twice the
  read timeout (a server dribbling one byte at a time is cut off).
- Every request stays on the entry point's host and port: a link (``osdi:events``,
  ``next``, the record attendance helper) or a redirect to another host is refused,
  as is a step from https down to http. Redirects are followed at most
  ``MAX_REDIRECTS`` times, and never back to an address already seen.
- At most ``SOURCES_MAX_PAGES`` documents and ``SOURCES_MAX_BYTES`` bytes per
  run (one client), and ``SOURCES_MAX_PAGE_BYTES`` per document.
- A document must be a JSON object; anything else (malformed JSON, a list,
  a 4xx or 5xx answer, too deep) is an ``OsdiError`` with a message for people.

Every failure is an ``OsdiError``; nothing else escapes ``OsdiClient``'s methods.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urljoin, urlsplit

from django.conf import settings

MAX_REDIRECTS = 5
USER_AGENT = "Coalition-OSDI-client/1.0"
_REDIRECTS = {301, 302, 303, 307, 308}
_DEFAULT_PORTS = {"http": 80, "https": 443}


class OsdiError(Exception):
    """Why a request to a remote OSDI server did not give a usable document."""


@dataclass(frozen=True)
class Limits:
    connect_timeout: float
    read_timeout: float
    max_pages: int
    max_bytes: int
    max_page_bytes: int
    allow_private: bool

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            connect_timeout=settings.SOURCES_CONNECT_TIMEOUT,
            read_timeout=settings.SOURCES_READ_TIMEOUT,
            max_pages=settings.SOURCES_MAX_PAGES,
            max_bytes=settings.SOURCES_MAX_BYTES,
            max_page_bytes=settings.SOURCES_MAX_PAGE_BYTES,
            allow_private=settings.SOURCES_ALLOW_PRIVATE_NETWORKS,
        )


def address_allowed(address: str, *, allow_private: bool) -> bool:
    """Whether a resolved IP address may be contacted."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_multicast or ip.is_unspecified:
        return False
    if allow_private:
        return True
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved)


def _resolve(host: str, port: int, *, allow_private: bool) -> str:
    """The first address of ``host``, once every address it resolves to is allowed."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as problem:
        raise OsdiError(f"The address {host} could not be found ({problem}).") from None
    addresses = [info[4][0] for info in found]
    if not addresses:
        raise OsdiError(f"The address {host} could not be found.")
    for address in addresses:
        if not address_allowed(address, allow_private=allow_private):
            raise OsdiError(
                f"{host} resolves to {address}, a private or local address: refused "
                "(set SOURCES_ALLOW_PRIVATE_NETWORKS=true to allow it)."
            )
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address already checked, whatever the host name says."""

    def __init__(self, host, port, *, address: str, connect_timeout: float, read_timeout: float):
        super().__init__(host, port, timeout=read_timeout)
        self._address, self._connect_timeout = address, connect_timeout

    def connect(self):
        self.sock = socket.create_connection(
            (self._address, self.port), timeout=self._connect_timeout
        )
        self.sock.settimeout(self.timeout)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    default_port = 443

    def connect(self):
        super().connect()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


class OsdiClient:
    """One run's connection to one OSDI server: it counts pages and bytes across calls."""

    def __init__(self, entry_point: str, *, api_key: str = "", limits: Limits | None = None):
        self.entry_point = entry_point
        self.api_key = api_key
        self.limits = limits or Limits.from_settings()
        self.pages = 0
        self.bytes = 0

    # --- Documents -------------------------------------------------------------------

    def get(self, url: str, params: dict | None = None) -> dict:
        """The JSON object at ``url`` (with ``params`` added to its query)."""
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params)
        return self._request("GET", url)

    def post(self, url: str, body: dict) -> dict:
        return self._request("POST", url, body=json.dumps(body).encode())

    @staticmethod
    def link(document: dict, rel: str) -> str | None:
        """The ``href`` of ``_links[rel]`` (the first one when it is a list), or None."""
        links = document.get("_links")
        if not isinstance(links, dict):
            return None
        found = links.get(rel)
        if isinstance(found, list):
            found = found[0] if found else None
        href = found.get("href") if isinstance(found, dict) else None
        return href if isinstance(href, str) and href else None

    def collection(self, url: str, rel: str, params: dict | None = None):
        """Every resource of a paged collection, following ``_links.next`` within the limits.

        Yields resource documents (dicts); raises OsdiError on a page that is not
        a collection or a resource that is not an object.
        """
        seen: set[str] = set()
        next_url: str | None = url
        first = True
        while next_url:
            if next_url in seen:
                raise OsdiError(f"The collection's pages go round in a loop at {next_url}.")
            seen.add(next_url)
            page = self.get(next_url, params if first else None)
            first = False
            embedded = page.get("_embedded", {})
            if not isinstance(embedded, dict):
                raise OsdiError(f"{next_url}: _embedded is not an object.")
            items = embedded.get(rel, [])
            if not isinstance(items, list):
                raise OsdiError(f"{next_url}: _embedded.{rel} is not a list.")
            for item in items:
                if not isinstance(item, dict):
                    raise OsdiError(f"{next_url}: an item of {rel} is not an object.")
                yield item
            following = self.link(page, "next")
            next_url = urljoin(next_url, following) if following else None

    # --- HTTP ------------------------------------------------------------------------

    def _request(self, method: str, url: str, body: bytes | None = None) -> dict:
        # A document may link anywhere; this client goes only where the entry point is.
        self._check_same_host(self.entry_point, url, what="links to")
        visited: list[str] = []
        for _hop in range(MAX_REDIRECTS + 1):
            if url in visited:
                raise OsdiError(f"Redirects go round in a loop at {url}.")
            visited.append(url)
            status, headers, content = self._exchange(method, url, body)
            if status in _REDIRECTS:
                location = headers.get("location")
                if not location:
                    raise OsdiError(f"{url} answered {status} without a Location.")
                target = urljoin(url, location)
                self._check_same_host(url, target)
                if status == 303:
                    method, body = "GET", None
                url = target
                continue
            if status >= 400:
                raise OsdiError(f"{url} answered {status}.")
            if not 200 <= status < 300:
                raise OsdiError(f"{url} answered {status}, not a document.")
            return self._decode(url, content)
        raise OsdiError(f"More than {MAX_REDIRECTS} redirects from {visited[0]}.")

    @staticmethod
    def _check_same_host(current: str, target: str, *, what: str = "redirects to") -> None:
        """Refuse ``target`` unless it is on ``current``'s host and port (http may become
        https on the default ports; https never becomes http)."""
        before, after = urlsplit(current), urlsplit(target)
        try:
            ports = (
                before.port or _DEFAULT_PORTS.get(before.scheme),
                after.port or _DEFAULT_PORTS.get(after.scheme),
            )
        except ValueError:
            raise OsdiError(f"{target} has a malformed port.") from None
        upgrade = (before.scheme, after.scheme) == ("http", "https") and ports == (80, 443)
        if after.hostname != before.hostname or (ports[0] != ports[1] and not upgrade):
            raise OsdiError(f"{current} {what} another host ({after.hostname}): refused.")
        if before.scheme == "https" and after.scheme != "https":
            raise OsdiError(f"{current} {what} an http address from https: refused.")

    def _exchange(self, method: str, url: str, body: bytes | None):
        limits = self.limits
        if self.pages >= limits.max_pages:
            raise OsdiError(f"Stopped after {limits.max_pages} pages (SOURCES_MAX_PAGES).")
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise OsdiError(f"{url} is not an http or https address.")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise OsdiError(f"{url} has a malformed port.") from None
        address = _resolve(parts.hostname, port, allow_private=limits.allow_private)
        kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        connection = kind(
            parts.hostname, port, address=address,
            connect_timeout=limits.connect_timeout, read_timeout=limits.read_timeout,
        )  # fmt: skip
        headers = {
            "Accept": "application/hal+json, application/json",
            "User-Agent": USER_AGENT,
        }
        if self.api_key:
            headers["OSDI-API-Token"] = self.api_key
        if body is not None:
            headers["Content-Type"] = "application/json"
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        self.pages += 1
        deadline = time.monotonic() + limits.connect_timeout + 2 * limits.read_timeout
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = self._read(url, response, deadline)
            return response.status, {k.lower(): v for k, v in response.getheaders()}, content
        except OsdiError:
            raise
        except TimeoutError:
            raise OsdiError(f"{url} did not answer in time.") from None
        except (OSError, http.client.HTTPException, ValueError) as problem:
            raise OsdiError(f"{url} could not be read: {problem.__class__.__name__}.") from None
        finally:
            connection.close()

    def _read(self, url: str, response, deadline: float) -> bytes:
        limits = self.limits
        page_limit = min(limits.max_page_bytes, limits.max_bytes - self.bytes)
        # Which limit a person raises: one document's, or what is left of the run's budget.
        setting = (
            "SOURCES_MAX_PAGE_BYTES"
            if page_limit == limits.max_page_bytes
            else "SOURCES_MAX_BYTES for one run"
        )
        declared = response.getheader("Content-Length")
        if declared and declared.isdigit() and int(declared) > page_limit:
            raise OsdiError(
                f"{url} is too large ({declared} bytes; at most {page_limit}, {setting})."
            )
        chunks, size = [], 0
        while True:
            if time.monotonic() > deadline:
                raise OsdiError(f"{url} took too long to send its answer.")
            chunk = response.read1(65536) if hasattr(response, "read1") else response.read(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > page_limit:
                raise OsdiError(f"{url} is too large (more than {page_limit} bytes, {setting}).")
            chunks.append(chunk)
        self.bytes += size
        return b"".join(chunks)

    @staticmethod
    def _decode(url: str, content: bytes) -> dict:
        try:
            document = json.loads(content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise OsdiError(f"{url} did not answer valid JSON.") from None
        if not isinstance(document, dict):
            raise OsdiError(f"{url} answered JSON that is not an object.")
        return document
