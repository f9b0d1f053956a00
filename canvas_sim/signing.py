"""Signed delivery like Canvas's "Sign Payload": an RS256 JWT whose claims hold metadata and body.

Keys are PEM files; public keys are published as a JWKS with previous, current and next keys.
"""

from __future__ import annotations

import binascii
import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jwt
import orjson
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from jwt.algorithms import RSAAlgorithm

from .errors import SimulatorError
from .issuer import DEFAULT_ISSUER

TOKEN_LIFETIME_S = 3600
KEY_ROLES = ("previous", "current", "next")


class TokenError(Exception):
    """A JWT that does not verify."""


def _read(path: str | Path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise SimulatorError(f"cannot read {what} {path}: {exc.strerror or exc}") from None


def load_private_key(path: str | Path) -> rsa.RSAPrivateKey:
    data = _read(path, "private key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        if b"PUBLIC KEY-----" in data or data.lstrip().startswith(b"{"):
            raise SimulatorError(
                f"{path}: a public key or JWKS, which the receiver verifies with; signing takes "
                "the private key (canvas-sim keys writes it as current.pem)"
            ) from None
        raise SimulatorError(f"{path}: not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SimulatorError(f"{path}: RS256 needs an RSA key")
    return key


def load_public_key(path: str | Path) -> rsa.RSAPublicKey:
    data = _read(path, "public key")
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        try:
            key = serialization.load_pem_private_key(data, password=None).public_key()
        except (ValueError, TypeError) as exc:
            raise SimulatorError(f"{path}: not a PEM public (or private) key ({exc})") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise SimulatorError(f"{path}: RS256 needs an RSA key")
    return key


def kid_beside(path: str | Path, key: rsa.RSAPrivateKey) -> str | None:
    """The key id of ``key`` in a ``jwks.json`` beside its file (as ``canvas-sim keys``
    writes them), or None when there is no such file or no entry for the key."""
    document = Path(path).with_name("jwks.json")
    try:
        entries = orjson.loads(document.read_bytes()).get("keys", [])
    except (OSError, orjson.JSONDecodeError, AttributeError):
        return None
    public = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and (entry.get("n"), entry.get("e")) == (
            public["n"],
            public["e"],
        ):
            kid = entry.get("kid")
            return kid if isinstance(kid, str) else None
    return None


_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def base64url(data: bytes) -> bytes:
    """Base64url without padding, as JWS segments are written."""
    return binascii.b2a_base64(data, newline=False).translate(_URL_SAFE).rstrip(b"=")


class Signer:
    """Turns one event's JSON into a compact RS256 JWT (claims: iss, iat, exp, metadata, body).

    The token is PyJWT's, byte for byte (its sorted, compact header; PKCS#1 v1.5 signatures
    are deterministic), built with ``cryptography`` directly: the header segment is made once,
    so per event only the claims, their base64url and the RSA signature remain."""

    def __init__(self, key: rsa.RSAPrivateKey, *, kid: str | None, issuer: str = DEFAULT_ISSUER):
        self._key = key
        header = {"typ": "JWT", "alg": "RS256", **({"kid": kid} if kid else {})}
        compact = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
        self._head = base64url(compact) + b"."
        self._issuer = orjson.dumps(issuer)
        self._padding = padding.PKCS1v15()
        self._hash = hashes.SHA256()

    def sign(self, event_json: bytes, now: float | None = None) -> str:
        """``event_json`` is ``{"metadata": ..., "body": ...}``; its keys become claims."""
        return self.token(event_json, now)[0].decode("ascii")

    def token(self, event_json: bytes, now: float | None = None) -> tuple[bytes, int]:
        """The JWT of ``event_json`` and its ``iat`` (Unix seconds)."""
        issued = int(time.time() if now is None else now)
        claims = b'{"iss":%b,"iat":%d,"exp":%d,%b' % (
            self._issuer,
            issued,
            issued + TOKEN_LIFETIME_S,
            event_json.lstrip()[1:],
        )
        message = self._head + base64url(claims)
        signature = self._key.sign(message, self._padding, self._hash)
        return message + b"." + base64url(signature), issued


class Verifier:
    """Verifies RS256 tokens against one public key or a JWKS (by ``kid``)."""

    def __init__(self, keys: dict[str | None, Any], issuer: str | None = None) -> None:
        self._keys = keys
        self._issuer = issuer

    @classmethod
    def from_public_key(cls, path: str | Path, issuer: str | None = None) -> Verifier:
        return cls({None: load_public_key(path)}, issuer)

    @classmethod
    def from_jwks(cls, jwks: dict[str, Any], issuer: str | None = None) -> Verifier:
        keys: dict[str | None, Any] = {}
        for entry in jwks.get("keys", []):
            keys[entry.get("kid")] = RSAAlgorithm.from_jwk(entry)
        if not keys:
            raise SimulatorError("the JWKS holds no keys")
        return cls(keys, issuer)

    def verify(self, token: str) -> dict[str, Any]:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self._keys.get(kid) if kid in self._keys else self._keys.get(None)
            if key is None:
                raise TokenError(f"unknown key id {kid!r}")
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                issuer=self._issuer,
                options={"require": ["iat", "exp"], "verify_iss": self._issuer is not None},
            )
        except jwt.PyJWTError as exc:
            raise TokenError(str(exc)) from None
        return claims


def generate_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_pem(key: rsa.RSAPublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def jwks(keys: Iterable[tuple[str, rsa.RSAPublicKey]]) -> dict[str, Any]:
    """A JWKS document: one RS256 signing key per (kid, public key)."""
    entries = []
    for kid, key in keys:
        entry = RSAAlgorithm.to_jwk(key, as_dict=True)
        entry.update({"kid": kid, "use": "sig", "alg": "RS256"})
        entries.append(entry)
    return {"keys": entries}


def write_key_set(directory: str | Path, kids: Iterable[str]) -> dict[str, Any]:
    """Generate previous/current/next key pairs into ``directory``; return their JWKS.

    Writes ``<role>.pem`` (private, mode 600), ``<role>.pub.pem`` and ``jwks.json``.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    public = []
    for role, kid in zip(KEY_ROLES, kids, strict=True):
        key = generate_key()
        private_path = folder / f"{role}.pem"
        private_path.write_bytes(private_pem(key))
        private_path.chmod(0o600)
        (folder / f"{role}.pub.pem").write_bytes(public_pem(key.public_key()))
        public.append((kid, key.public_key()))
    document = jwks(public)
    (folder / "jwks.json").write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    return document
