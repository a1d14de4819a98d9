"""The senders over real HTTP to a stand-in provider on 127.0.0.1: what each failure becomes, and that the
client never resends by itself (a resend of a request that may have arrived is a duplicate SMS)."""

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from decimal import Decimal
from typing import Any

import aioboto3
import pytest
from shop_notifications.adapters.email import SesEmailSender
from shop_notifications.adapters.sms import SnsSmsSender
from shop_notifications.bootstrap import open_sender_client
from shop_notifications.domain.templates import order_confirmed
from shop_notifications.exceptions import ProviderUnreachable, SendOutcomeUnknown, SendRejected

MESSAGE = order_confirmed("ord-1", Decimal("9.99"), "USD")
PHONE = "+15555550100"
SEND_TIMEOUT_SECONDS = 0.5
ERROR_BODY = (
    "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>no</Message></Error>"
    "<RequestId>r-1</RequestId></ErrorResponse>"
)


class StandInProvider:
    """Reads each HTTP request in full, counts it, then answers as `mode` says."""

    def __init__(self) -> None:
        self.mode = "400:Throttling"
        self.port = 0
        self.requests = 0
        self.heads: list[bytes] = []
        self._release = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self._release.set()
        assert self._server is not None
        self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await asyncio.wait_for(self._server.wait_closed(), timeout=5)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while await self._answer_one(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._connections.discard(task)
            writer.close()

    async def _answer_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        await reader.readexactly(length)
        self.requests += 1
        self.heads.append(head)
        if self.mode == "hang":  # the request arrived; the answer never comes
            await self._release.wait()
            return False
        if self.mode == "drop":  # the request arrived; the connection breaks before the answer
            return False
        status, code = self.mode.split(":")
        # SNS and SES both speak the query protocol: an XML error document.
        body = ERROR_BODY.format(code=code).encode()
        writer.write(f"HTTP/1.1 {status} X\r\nContent-Type: text/xml\r\nContent-Length: {len(body)}\r\n\r\n".encode())
        writer.write(body)
        await writer.drain()
        return True


@pytest.fixture
async def provider() -> AsyncIterator[StandInProvider]:
    stand_in = StandInProvider()
    await stand_in.start()
    try:
        yield stand_in
    finally:
        await stand_in.stop()


@pytest.fixture
async def sender_to(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Callable[[str, int], Awaitable[Any]]]:
    """send(channel, port): one send through a client built exactly as bootstrap builds it."""
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(variable, "test")
    async with AsyncExitStack() as stack:

        async def send(channel: str, port: int) -> str:
            monkeypatch.setenv(f"AWS_ENDPOINT_URL_{channel.upper()}", f"http://127.0.0.1:{port}")
            session = aioboto3.Session(region_name="us-east-1")
            client = await open_sender_client(stack, session, channel, send_timeout_seconds=SEND_TIMEOUT_SECONDS)
            if channel == "sns":
                return await SnsSmsSender(client).send(PHONE, MESSAGE)
            return await SesEmailSender(client, "shop@example.com").send("jane@example.com", MESSAGE)

        yield send


@pytest.mark.parametrize("channel", ["sns", "ses"])
@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("400:Throttling", SendRejected),
        ("503:ServiceUnavailable", SendOutcomeUnknown),
        ("hang", SendOutcomeUnknown),
        ("drop", SendOutcomeUnknown),
    ],
)
async def test_each_failure_is_definite_or_ambiguous_and_sent_once(
    provider: StandInProvider, sender_to: Any, channel: str, mode: str, expected: type[Exception]
) -> None:
    provider.mode = mode

    with pytest.raises(expected) as raised:
        # The read timeout (0.5 s) ends "hang"; the outer bound only keeps a regression from hanging the suite.
        await asyncio.wait_for(sender_to(channel, provider.port), timeout=10)

    assert provider.requests == 1, provider.heads  # never resent by botocore retries
    assert raised.value.__cause__ is None and PHONE not in str(raised.value)


async def test_a_provider_that_refuses_the_connection_is_a_definite_failure(sender_to: Any) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(ProviderUnreachable):
        await asyncio.wait_for(sender_to("sns", port), timeout=10)
