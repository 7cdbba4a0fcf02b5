"""Receipt codes: the only link between a reporter and their flag.

A code is 25 characters of Crockford base32 (125 random bits) in five dash-separated groups, easy
to read aloud and copy; it is shown once and stored only as an scrypt hash. Lookup needs the hash
to be deterministic, so the salt is fixed: with 125 random bits there is nothing to guess, and
scrypt makes each guess cost memory and time all the same.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS = 5
GROUP_SIZE = 5
LENGTH = GROUPS * GROUP_SIZE
SALT = b"coalition-bot/flag-receipt/v1"
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def new_receipt() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + GROUP_SIZE] for i in range(0, LENGTH, GROUP_SIZE))


def normalise(code: str) -> str | None:
    """The code's 25 characters, whatever the case, spacing or dashes; None if it cannot be one."""
    cleaned = "".join(ch for ch in code.upper() if ch not in " -_\t\n").translate(_LOOKALIKES)
    if len(cleaned) != LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def _scrypt(normalised: str) -> str:
    return hashlib.scrypt(normalised.encode(), salt=SALT, n=2**14, r=8, p=1, dklen=32).hex()


async def receipt_hash(code: str) -> str | None:
    """The stored form of a receipt (computed off the event loop: scrypt takes tens of ms)."""
    normalised = normalise(code)
    if normalised is None:
        return None
    return await asyncio.to_thread(_scrypt, normalised)
