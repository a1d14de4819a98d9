"""A local stand-in of the ECS agent's task-protection endpoint (plain asyncio HTTP on 127.0.0.1)."""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest


class AgentStandIn:
    """Records (method, path, json body) of every request; answers 200, or `status` when set."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.call_times: list[float] = []  # time.monotonic() of each request's arrival
        self.status = 200
        self.uri = ""

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        method, path, _ = head.split("\r\n")[0].split(" ")
        headers = dict(line.lower().split(": ", 1) for line in head.split("\r\n")[1:] if ": " in line)
        payload = await reader.readexactly(int(headers.get("content-length", "0")))
        self.calls.append((method, path, json.loads(payload or b"{}")))
        self.call_times.append(time.monotonic())
        reply = b"{}"
        writer.write(
            f"HTTP/1.1 {self.status} X\r\nContent-Type: application/json\r\nContent-Length: {len(reply)}\r\n"
            "Connection: close\r\n\r\n".encode()
            + reply
        )
        await writer.drain()
        writer.close()

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [call[2] for call in self.calls]


@pytest.fixture
async def ecs_agent() -> AsyncIterator[AgentStandIn]:
    stand_in = AgentStandIn()
    server = await asyncio.start_server(stand_in.serve, "127.0.0.1", 0)
    stand_in.uri = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        yield stand_in
    finally:
        server.close()
        await server.wait_closed()
