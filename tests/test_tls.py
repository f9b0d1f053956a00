"""HTTPS delivery: certificates are verified unless --insecure (a real TLS server on loopback)."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from canvas_sim.delivery import (
    DeadLetters,
    DeliveryStats,
    HttpSender,
    HttpTarget,
    Parcel,
    Rendered,
    RetryPolicy,
    TargetStats,
)


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def serve_and_send(tmp_path: Path, *, verify: bool) -> tuple[bool, TargetStats, int]:
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    received = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal received
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(next(
                line.split(b":")[1] for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            ))  # fmt: skip
            await reader.readexactly(length)
            received += 1
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()
        except (asyncio.IncompleteReadError, ssl.SSLError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    stats = DeliveryStats().target("https")
    dead = DeadLetters(tmp_path / "dead.jsonl")
    target = HttpTarget(
        url=f"https://127.0.0.1:{port}/events", verify_tls=verify, retry=RetryPolicy(retries=0)
    )
    sender = HttpSender(target, stats, dead)
    event = Rendered("grade_change", 0, b'{"metadata":{"event_name":"grade_change"},"body":{}}')
    delivered = await sender.send([Parcel(event, 0.0, 0)])
    await sender.aclose()
    dead.close()
    server.close()
    await server.wait_closed()
    return delivered, stats, received


def test_an_untrusted_certificate_is_refused_by_default(tmp_path: Path) -> None:
    delivered, stats, received = asyncio.run(serve_and_send(tmp_path, verify=True))
    assert not delivered and received == 0
    assert stats.statuses == {"connection error": 1}
    assert "CERTIFICATE_VERIFY_FAILED" in (tmp_path / "dead.jsonl").read_text()


def test_insecure_skips_verification(tmp_path: Path) -> None:
    delivered, stats, received = asyncio.run(serve_and_send(tmp_path, verify=False))
    assert delivered and received == 1 and stats.statuses == {"200": 1}


def test_verification_uses_the_system_trust_store() -> None:
    from canvas_sim.delivery.transport import LeanTransport

    context = LeanTransport()._ssl_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    with pytest.raises(httpx.ConnectError):
        asyncio.run(LeanTransport()._connect(("https", "127.0.0.1", 9)))
