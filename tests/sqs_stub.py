"""A minimal local endpoint speaking SQS's JSON protocol: for failures moto cannot inject
(partial batch failures, refused credentials) and for measuring the SQS sink's own cost.

Run alone (``python tests/sqs_stub.py``) it serves on a free port and prints the port.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

ACCOUNT = "123456789012"
# Decides each SendMessageBatch entry: None (accepted) or (code, sender fault).
EntryPolicy = Callable[[dict[str, Any]], "tuple[str, bool] | None"]


@dataclass
class StubQueues:
    """What the stub knows and does: queue names, stored messages, injected failures."""

    names: set[str] = field(default_factory=lambda: {"events"})
    store: bool = True
    messages: list[dict[str, Any]] = field(default_factory=list)
    received: int = 0
    calls: int = 0
    refuse: str | None = None  # an error code every call gets (e.g. InvalidClientTokenId)
    entry_policy: EntryPolicy | None = None
    max_message_size: int = 262_144

    def handle(self, action: str, request: dict[str, Any], base: str) -> tuple[int, bytes]:
        self.calls += 1
        if self.refuse:
            return _error(
                403, self.refuse, "The security token included in the request is invalid."
            )
        if action == "GetQueueUrl":
            name = request.get("QueueName", "")
            if name not in self.names:
                return _error(400, "QueueDoesNotExist", "The specified queue does not exist.")
            return 200, orjson.dumps({"QueueUrl": f"{base}/{ACCOUNT}/{name}"})
        if action == "GetQueueAttributes":
            size = str(self.max_message_size)
            return 200, orjson.dumps({"Attributes": {"MaximumMessageSize": size}})
        if action == "SendMessageBatch":
            successful, failed = [], []
            for entry in request.get("Entries", []):
                verdict = self.entry_policy(entry) if self.entry_policy else None
                if verdict is None:
                    self.received += 1
                    if self.store:
                        self.messages.append(entry)
                    successful.append(
                        {
                            "Id": entry["Id"],
                            "MessageId": f"m{self.received}",
                            "MD5OfMessageBody": "",
                        }
                    )
                else:
                    code, sender = verdict
                    failed.append(
                        {
                            "Id": entry["Id"],
                            "Code": code,
                            "Message": "injected",
                            "SenderFault": sender,
                        }
                    )
            return 200, orjson.dumps({"Successful": successful, "Failed": failed})
        return _error(400, "InvalidAction", f"{action} is not supported by the stub")


def _error(status: int, code: str, message: str) -> tuple[int, bytes]:
    return status, orjson.dumps({"__type": f"com.amazonaws.sqs#{code}", "message": message})


class _Protocol(asyncio.Protocol):
    def __init__(self, queues: StubQueues, base: str, open_: set[asyncio.Transport]) -> None:
        self.queues = queues
        self.open = open_
        self.base = base
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.open.add(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.open.discard(self.transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].split(b"\r\n")
            headers = {}
            for line in head[1:]:
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get(b"content-length", b"0"))
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            action = headers.get(b"x-amz-target", b"").decode().rpartition(".")[2]
            status, answer = self.queues.handle(action, orjson.loads(body or b"{}"), self.base)
            assert self.transport is not None
            self.transport.write(
                b"HTTP/1.1 %d X\r\nContent-Type: application/x-amz-json-1.0\r\n"
                b"Content-Length: %d\r\n\r\n%b" % (status, len(answer), answer)
            )


class StubServer:
    """The stub on 127.0.0.1 in a thread of its own: ``endpoint`` is its URL."""

    def __init__(self, queues: StubQueues | None = None) -> None:
        self.queues = queues or StubQueues()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.endpoint = ""

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        holder: dict[str, str] = {}
        transports: set[asyncio.Transport] = set()
        server = self._loop.run_until_complete(
            self._loop.create_server(
                lambda: _Protocol(self.queues, holder["base"], transports), "127.0.0.1", 0
            )
        )
        port = server.sockets[0].getsockname()[1]
        holder["base"] = self.endpoint = f"http://127.0.0.1:{port}"
        self._ready.set()
        self._loop.run_forever()
        for transport in list(transports):
            transport.close()
        server.close()
        self._loop.run_until_complete(server.wait_closed())
        self._loop.close()

    def __enter__(self) -> StubServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def queue(endpoint: str, name: str, **attributes: str) -> str:
    """Create a queue at ``endpoint``; its URL."""
    import boto3

    client = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1")
    return str(client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])


def receive_all(endpoint: str, url: str) -> list[dict[str, Any]]:
    """Every message of the queue (received and deleted), in the order received."""
    import boto3

    client = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1")
    messages: list[dict[str, Any]] = []
    while True:
        answer = client.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        )
        batch = answer.get("Messages", [])
        if not batch:
            return messages
        messages.extend(batch)
        entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)]
        client.delete_message_batch(QueueUrl=url, Entries=entries)


if __name__ == "__main__":
    with StubServer(StubQueues(store=False)) as stub:
        print(stub.endpoint.rsplit(":", 1)[1], flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            sys.stdin.read()  # until the parent closes our stdin
