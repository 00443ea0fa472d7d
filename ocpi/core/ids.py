"""Request and correlation ids (`X-Request-ID`, `X-Correlation-ID`), for the answers a node serves and the
requests it sends: version 4 UUIDs made from a random prefix drawn once per process and a counter, about a
microsecond each where `uuid.uuid4()` takes seven. Ids identify, they do not protect, so they need not be
unpredictable."""

from __future__ import annotations

import itertools
import os
import random

_prefix = ""


def _new_prefix() -> None:
    global _prefix
    digits = f"{random.getrandbits(80):020x}"
    _prefix = f"{digits[:8]}-{digits[8:12]}-4{digits[12:15]}-{'89ab'[int(digits[15], 16) & 3]}{digits[16:19]}-"


_new_prefix()
os.register_at_fork(after_in_child=_new_prefix)
_counter = itertools.count(random.getrandbits(40))


def new_id() -> str:
    """A version 4 UUID unique within this process's life (and, by its random prefix, beyond)."""
    return f"{_prefix}{next(_counter) & 0xFFFFFFFFFFFF:012x}"
