"""A tiny TCP proxy in front of EventBridge that can refuse: the soak's bus outage.

The services get it as AWS_ENDPOINT_URL_EVENTBRIDGE (DynamoDB, SQS and the rest still reach the emulators
directly), so while it refuses every PutEvents of theirs fails, publishes after commit included, and the
events wait in the outboxes; once it forwards again the relays drain them.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

__all__ = ["FaultProxy"]


class FaultProxy:
    """Forwards 127.0.0.1:<port> to the upstream port; `refuse(True)` cuts every open connection and closes
    each new one at once (the client sees a connection closed before any answer)."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = 0
        self._refusing = False
        self.refused = 0  # connections refused or cut, so a report can show the outage really bit
        self._loop = asyncio.new_event_loop()
        self._open: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="soak-fault-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        self.port = future.result(timeout=10)
        return self

    def refuse(self, refusing: bool) -> None:
        self._refusing = refusing
        if refusing:
            asyncio.run_coroutine_threadsafe(self._cut_all(), self._loop).result(timeout=10)

    def close(self) -> None:
        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            await self._cut_all()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _listen(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def _cut_all(self) -> None:
        for writer in list(self._open):
            self.refused += 1
            writer.transport.abort()
        self._open.clear()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if self._refusing:
            self.refused += 1
            client_writer.transport.abort()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_writer.transport.abort()
            return
        self._open.update((client_writer, upstream_writer))
        try:
            await asyncio.gather(
                _pipe(client_reader, upstream_writer), _pipe(upstream_reader, client_writer), return_exceptions=True
            )
        finally:
            for writer in (client_writer, upstream_writer):
                self._open.discard(writer)
                writer.transport.abort()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        with contextlib.suppress(Exception):
            writer.write_eof()
