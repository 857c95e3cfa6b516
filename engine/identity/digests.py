"""Random tokens handed to a browser or an API client, and the digests the database keeps of them."""
from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    # Tokens are 256-bit random values, so a fast hash is enough to make a stolen table useless.
    return hashlib.sha256(token.encode()).hexdigest()
