"""A minimal local endpoint speaking SQS's JSON protocol: for failures moto cannot inject
(partial batch failures, refused credentials) and for measuring the SQS sink's own cost.

Run alone (``python tests/sqs_stub.py``) it serves on a free port and prints the port.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).parent))
from stub_server import Answer, StubServer

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


def sqs_server(queues: StubQueues | None = None) -> StubServer:
    """A StubServer speaking SQS's JSON protocol for ``queues``."""
    queues = queues or StubQueues()
    server = StubServer()

    def handle(headers: dict[bytes, bytes], body: bytes) -> Answer:
        action = headers.get(b"x-amz-target", b"").decode().rpartition(".")[2]
        status, answer = queues.handle(action, orjson.loads(body or b"{}"), server.url)
        return Answer(status, answer, content_type=b"application/x-amz-json-1.0")

    server.handler = handle
    server.queues = queues  # type: ignore[attr-defined]
    return server


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
    with sqs_server(StubQueues(store=False)) as stub:
        print(stub.port, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            sys.stdin.read()  # until the parent closes our stdin
