"""Fixtures for the members tests: a real SMTP server on loopback that records what it gets."""

from __future__ import annotations

import asyncio
import email
import logging
import socket
import threading
from dataclasses import dataclass, field

import pytest


@dataclass
class Received:
    rcpt: str
    message_id: str
    message: email.message.Message


@dataclass
class SmtpSink:
    """An aiosmtpd handler that keeps every accepted message.

    ``refuse`` holds addresses whose RCPT TO is answered 550; ``hang_up_on``
    the numbers of the MAIL FROM commands answered 421 (closing the
    connection, as providers do after so many messages). ``pause_at=N``
    holds the N-th DATA command without answering it (``paused`` is set) until
    ``release`` is set; that message is then answered 421 and never recorded,
    exactly as a server that did not accept it.
    """

    port: int = 0
    refuse: set[str] = field(default_factory=set)
    pause_at: int | None = None
    paused: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    received: list[Received] = field(default_factory=list)
    hang_up_on: set[int] = field(default_factory=set)
    data_commands: int = 0
    mail_commands: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with self.lock:
            self.mail_commands += 1
            number = self.mail_commands
        if number in self.hang_up_on:
            return "421 4.7.0 Too many messages on this connection, closing"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.data_commands += 1
            number = self.data_commands
        if self.pause_at is not None and number == self.pause_at:
            self.paused.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
            return "421 4.3.0 Closing the connection, try again later"
        message = email.message_from_bytes(envelope.content)
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.received.append(Received(rcpt.lower(), message["Message-ID"], message))
        return "250 OK: queued"

    def count(self) -> int:
        with self.lock:
            return len(self.received)

    def rcpts(self) -> list[str]:
        with self.lock:
            return [item.rcpt for item in self.received]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_sink():
    """A real SMTP server on 127.0.0.1 for this test; its ``port`` is where to send."""
    from aiosmtpd.controller import Controller

    # aiosmtpd logs every SMTP command at INFO: too much for a failing test's report.
    server_log = logging.getLogger("mail.log")
    level = server_log.level
    server_log.setLevel(logging.WARNING)
    sink = SmtpSink(port=_free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        sink.release.set()
        controller.stop()
        server_log.setLevel(level)


@pytest.fixture
def smtp_settings(settings, smtp_sink):
    """Django sends through ``smtp_sink`` for this test (in this process)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    return smtp_sink
