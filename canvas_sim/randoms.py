"""Seeded draws made often: Random's own integers, uuids, tokens, text of a length."""

from __future__ import annotations

import random
from collections.abc import Callable

_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def randbelow(getrandbits: Callable[[int], int], n: int) -> int:
    """``Random.randrange(n)`` drawn through the generator's bound ``getrandbits``: CPython's
    own algorithm (``_randbelow_with_getrandbits``), so the same numbers, without randrange's
    and randint's layers of argument checks (the engine draws one or two per event)."""
    if n <= 0:
        raise ValueError(f"empty range for randbelow({n})")
    bits = n.bit_length()
    r = getrandbits(bits)
    while r >= n:
        r = getrandbits(bits)
    return r


def randint(getrandbits: Callable[[int], int], low: int, high: int) -> int:
    """``Random.randint(low, high)``: the same numbers (see :func:`randbelow`)."""
    return low + randbelow(getrandbits, high - low + 1)


# Each byte b to the character randbelow(62) gives for the 6 bits b >> 2, or "!" when they are
# 62 or 63 (a draw randbelow rejects).
_TOP_SIX = bytes(ord(_ALNUM[b >> 2]) if b >> 2 < 62 else ord("!") for b in range(256))


def canvas_uuid(rng: random.Random) -> str:
    """A Canvas object uuid: 40 characters of [A-Za-z0-9] (``rng.choice``'s own draws).

    ``randbelow(62)`` takes the top 6 bits of one 32-bit word of the generator and rejects 62
    and 63. ``getrandbits(32 * n)`` is the next n words, the first the least significant, so
    the same words give the same characters: n words at once, then as many as were rejected."""
    text = b""
    while (need := 40 - len(text)) > 0:
        words = rng.getrandbits(32 * need).to_bytes(4 * need, "little")
        text += words[3::4].translate(_TOP_SIX).replace(b"!", b"")
    return text.decode()


_UUID4_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_UUID4_SET = (0x8000 << 48) | (0x4000 << 64)


def rfc_uuid(rng: random.Random) -> str:
    """An RFC 4122 version 4 uuid drawn from the seeded generator (as ``uuid.UUID`` would set
    the variant and version bits, without building one)."""
    h = f"{(rng.getrandbits(128) & _UUID4_CLEAR) | _UUID4_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def hex_token(rng: random.Random, length: int) -> str:
    return f"{rng.getrandbits(length * 4):0{length}x}"


def text_of(rng: random.Random, words: list[str], count: int) -> str:
    """A seeded sentence of ``count`` words from the pool (comments of a chosen length)."""
    text = " ".join(rng.choice(words) for _ in range(max(count, 1)))
    return text[:1].upper() + text[1:] + "."
