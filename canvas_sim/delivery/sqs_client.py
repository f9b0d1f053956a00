"""Amazon SQS targets: ``sqs://`` parsing, the boto3 client from standard AWS config, errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import DeliveryError, SimulatorError
from .model import DEFAULT_TIMEOUT_S, Rendered, RetryPolicy, one_line

EXTRA_HINT = "pip install 'canvas-live-events-simulator[sqs]'"
SQS_BATCH_ENTRIES = 10  # SendMessageBatch's limit
UNSIGNED = (
    "Canvas signs only HTTPS deliveries ('Sign Payload'); an SQS subscription is authenticated "
    "by the queue's IAM policy (AWS credentials), so SQS messages are never signed"
)  # why --sign-key does not go with a queue
SQS_BATCH_BYTES = 262_144  # 256 KiB per call: every queue takes it (newer ones up to 1 MiB)
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}(\.fifo)?$")
_REGION_HOST = re.compile(r"^(?:sqs\.)?([a-z]{2}(?:-[a-z]+)+-\d+)\.(?:queue\.)?amazonaws\.com")
# Errors worth retrying: throttling and the service's own trouble (as AWS's SDKs retry them).
RETRYABLE_CODES = frozenset(
    {
        "RequestThrottled",
        "ThrottlingException",
        "Throttling",
        "ServiceUnavailable",
        "InternalError",
        "InternalFailure",
        "KmsThrottled",
        "RequestTimeout",
    }
)


class SqsTargetError(SimulatorError):
    """An ``sqs://`` target that cannot be a queue."""

    exit_code = 2


@dataclass
class SqsTarget:
    """A queue to send events to: ``sqs://NAME`` or ``sqs://HOST/ACCOUNT/NAME`` (its URL)."""

    target: str
    endpoint: str | None = None  # --sqs-endpoint (else the AWS config's, else AWS)
    timeout_s: float = DEFAULT_TIMEOUT_S
    concurrency: int = 16
    batch: int = SQS_BATCH_ENTRIES
    max_batch_bytes: int = SQS_BATCH_BYTES
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # The queue's payload format: a Canvas-format event -> the event to send (None: nothing),
    # e.g. its Caliper envelope under its Canvas name (sent as the event_name attribute).
    convert: Callable[[Rendered], Rendered | None] | None = None

    def __post_init__(self) -> None:
        rest = self.target.partition("://")[2].strip("/")
        self.queue_url: str | None = None
        self.region: str | None = None
        if "/" in rest:
            host = rest.split("/", 1)[0]
            self.queue_url = "https://" + rest
            found = _REGION_HOST.match(host)
            self.region = found.group(1) if found else None
        self.name = rest.rsplit("/", 1)[-1]
        if not _NAME.match(self.name):
            raise SqsTargetError(
                f"{self.target}: expected sqs://QUEUE_NAME or the queue's URL as "
                "sqs://sqs.REGION.amazonaws.com/ACCOUNT/QUEUE_NAME (a queue name is 1 to 80 "
                "letters, digits, - and _, ending in .fifo for a FIFO queue)"
            )
        self.batch = max(1, min(self.batch, SQS_BATCH_ENTRIES))

    @property
    def fifo(self) -> bool:
        return self.name.endswith(".fifo")


def import_boto3() -> Any:
    """boto3, or a clear error naming the extra that installs it."""
    try:
        import boto3
    except ImportError:
        raise SimulatorError(
            f"SQS delivery needs boto3, which is not installed: {EXTRA_HINT}"
        ) from None
    return boto3


def make_client(endpoint: str | None, region: str | None, timeout_s: float, pool: int) -> Any:
    """An SQS client from the standard AWS sources (environment, profile, config files,
    ``AWS_ENDPOINT_URL_SQS``); ``endpoint`` and ``region`` override them. boto3's own
    retries are off: the simulator's retry policy applies, as for HTTP."""
    boto3 = import_boto3()
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError

    config = Config(
        retries={"total_max_attempts": 1, "mode": "standard"},
        connect_timeout=timeout_s,
        read_timeout=timeout_s,
        max_pool_connections=max(1, pool),
    )
    session = boto3.session.Session()
    region = region or session.region_name or ("us-east-1" if endpoint else None)
    if region is None:
        raise DeliveryError(
            "no AWS region for SQS: set AWS_REGION (or AWS_DEFAULT_REGION, or a profile's "
            "region), or give the queue's URL (sqs://sqs.REGION.amazonaws.com/ACCOUNT/NAME)"
        )
    try:
        return session.client("sqs", endpoint_url=endpoint, region_name=region, config=config)
    except BotoCoreError as exc:
        raise DeliveryError(f"cannot set up the SQS client: {exc}") from None


def describe_error(exc: BaseException) -> tuple[str, bool, str]:
    """(reason, retryable, status label) of a boto3 exception; credentials never appear."""
    from botocore.exceptions import (
        ClientError,
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        NoCredentialsError,
        PartialCredentialsError,
        ReadTimeoutError,
    )

    if isinstance(exc, ReadTimeoutError):
        return "timeout (the queue may have accepted it)", True, "timeout"
    if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError, ConnectionClosedError)):
        return one_line(str(exc)), True, "connection error"
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return (
            "no usable AWS credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
            "AWS_PROFILE, or a credentials file)",
            False,
            "credentials",
        )
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "error"))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        reason = one_line(f"SQS {code}: {error.get('Message', '')}".rstrip(": "))
        return reason, code in RETRYABLE_CODES or status >= 500, str(status or code)
    return one_line(f"{type(exc).__name__}: {exc}"), False, "error"
