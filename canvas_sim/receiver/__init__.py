"""The receiver: a real HTTP server for Canvas Live Events, with a live dashboard page."""

from .payload import Rejected, decode_payload, error_body
from .server import FLUSH_AFTER_S, Receiver, ReceiverConfig, ReceiverStats

__all__ = [
    "FLUSH_AFTER_S",
    "Receiver",
    "ReceiverConfig",
    "ReceiverStats",
    "Rejected",
    "decode_payload",
    "error_body",
]
