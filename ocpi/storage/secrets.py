"""The node key: encrypts the one secret the store must keep readable, the token the node sends to each
partner (`Party.outbound_token`), so that a copy of the database alone does not let anyone act as the node.

Where the key comes from, first found wins:

1. `OCPI_SECRET_KEY`: one or more Fernet keys (`ocpi secrets new-key`), separated by commas; the first
   encrypts, every one decrypts (so a key can be rotated without downtime);
2. `OCPI_SECRET_KEY_FILE`: a file holding such keys, one a line, first line first;
3. a SQLite database file `x.db`: the file `x.db.key` beside it, created (mode 0600) the first time a token
   is stored, so a node on a fresh machine needs no setup;
4. an in-memory SQLite database: a key that lives as long as the process (so does the database).

Anything else (PostgreSQL without 1 or 2) has no key: storing or reading a partner token then fails with an
error naming `OCPI_SECRET_KEY`, rather than keeping the token readable."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

KEY_VARIABLE = "OCPI_SECRET_KEY"
KEY_FILE_VARIABLE = "OCPI_SECRET_KEY_FILE"
PREFIX = "fernet:"
"""Marks an encrypted value; a stored value without it is a token kept in clear before encryption existed."""
_KEPT = 4096


class SecretKeyError(ValueError):
    """No key, or not the key the stored tokens were encrypted with: the message says what to set."""


def new_key() -> str:
    return Fernet.generate_key().decode()


def parse_keys(text: str, origin: str) -> list[bytes]:
    """Fernet keys separated by commas or line breaks; a malformed one is an error naming where it came from."""
    keys = [part.strip().encode() for part in text.replace(",", "\n").splitlines() if part.strip()]
    for key in keys:
        try:
            Fernet(key)
        except ValueError:
            raise SecretKeyError(
                f"{origin} holds something that is not a Fernet key (32 url-safe base64-encoded bytes, as "
                "`ocpi secrets new-key` prints)"
            ) from None
    return keys


class NodeKey:
    """Encrypts and decrypts partner tokens with the node key (see the module docstring for its source)."""

    def __init__(self, *, keys: Sequence[bytes] = (), key_file: Path | None = None, create_file: bool = False):
        """`keys` given, or read from `key_file` (created on first use with `create_file`)."""
        self.key_file = key_file
        self.create_file = create_file
        self._keys = list(keys)
        self._read: tuple[int, int] | None = None  # the key file's (inode, mtime) when last read
        self._lock = threading.Lock()
        self._revealed: dict[str, str] = {}

    @classmethod
    def for_database(cls, database: str | None, backend: str) -> NodeKey:
        """The key of a store on `database` (a file path for SQLite), from the environment or beside it."""
        if os.environ.get(KEY_VARIABLE, "").strip():
            return cls(keys=parse_keys(os.environ[KEY_VARIABLE], KEY_VARIABLE))
        if os.environ.get(KEY_FILE_VARIABLE, "").strip():
            return cls(key_file=Path(os.environ[KEY_FILE_VARIABLE]))
        if backend == "sqlite":
            if database in (None, "", ":memory:") or "mode=memory" in str(database):
                return cls(keys=[Fernet.generate_key()])
            return cls(key_file=Path(f"{database}.key"), create_file=True)
        return cls()

    @property
    def source(self) -> str:
        """Where the key comes from, for messages."""
        if self.key_file is not None:
            return str(self.key_file)
        return KEY_VARIABLE if self._keys else "nowhere"

    def keys(self) -> list[bytes]:
        """The keys, first the one that encrypts; a key file is read again when it changed (`ocpi secrets rotate`
        in another process)."""
        with self._lock:
            if self.key_file is not None:
                self._read_file()
            return list(self._keys)

    def _read_file(self) -> None:
        assert self.key_file is not None
        try:
            status = self.key_file.stat()
            if (status.st_ino, status.st_mtime_ns) != self._read:
                self._keys = parse_keys(self.key_file.read_text(encoding="ascii"), str(self.key_file))
                self._read = (status.st_ino, status.st_mtime_ns)
        except FileNotFoundError:
            self._keys, self._read = [], None
        except (OSError, UnicodeDecodeError) as error:
            raise SecretKeyError(f"cannot read the node key file {self.key_file}: {error}") from None

    def encrypt(self, token: str) -> str:
        keys = self.keys()
        if not keys and self.create_file:
            keys = [self._create_file()]
        if not keys:
            raise SecretKeyError(self._missing("store"))
        return PREFIX + Fernet(keys[0]).encrypt(token.encode()).decode()

    def decrypt(self, stored: str) -> str:
        """The token in clear; a value stored in clear (before encryption existed) as it is."""
        if not stored.startswith(PREFIX):
            return stored
        revealed = self._revealed.get(stored)
        if revealed is not None:
            return revealed
        keys = self.keys()
        if not keys:
            raise SecretKeyError(self._missing("read"))
        try:
            revealed = MultiFernet([Fernet(k) for k in keys]).decrypt(stored[len(PREFIX) :].encode()).decode()
        except InvalidToken:
            raise SecretKeyError(
                f"a partner token in the database was encrypted with a key that {self.source} does not hold: set "
                f"{KEY_VARIABLE} to the key it was encrypted with (several keys may be given, separated by commas)"
            ) from None
        if len(self._revealed) >= _KEPT:
            self._revealed.clear()
        self._revealed[stored] = revealed
        return revealed

    def is_current(self, stored: str) -> bool:
        """Whether `stored` is encrypted with the first key (the one that encrypts)."""
        keys = self.keys()
        if not stored.startswith(PREFIX) or not keys:
            return False
        try:
            Fernet(keys[0]).decrypt(stored[len(PREFIX) :].encode())
        except InvalidToken:
            return False
        return True

    def _missing(self, what: str) -> str:
        where = f" ({self.key_file} does not exist)" if self.key_file is not None else ""
        return (
            f"cannot {what} a partner token: no node key{where}. Set {KEY_VARIABLE} (make one with `ocpi secrets "
            f"new-key`) or {KEY_FILE_VARIABLE} (a file holding it) for every process on this database"
        )

    def _create_file(self) -> bytes:
        """A new key in the key file, readable by its owner only. Linked into place whole, so that of two processes
        creating it at once, the second reads the first one's key."""
        assert self.key_file is not None
        partial = self.key_file.with_name(f"{self.key_file.name}.{os.getpid()}.new")
        try:
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="ascii") as file:
                file.write(new_key() + "\n")
            os.link(partial, self.key_file)
        except FileExistsError:
            pass
        except OSError as error:
            raise SecretKeyError(f"cannot create the node key file {self.key_file}: {error.strerror}") from None
        finally:
            partial.unlink(missing_ok=True)
        keys = self.keys()
        if not keys:
            raise SecretKeyError(f"the node key file {self.key_file} holds no key")
        return keys[0]

    def write_file(self, keys: Sequence[bytes]) -> None:
        """Replace the key file's keys (rotation): written beside it, then moved over it in one step."""
        assert self.key_file is not None
        partial = self.key_file.with_name(self.key_file.name + ".new")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write("".join(k.decode() + "\n" for k in keys))
        os.replace(partial, self.key_file)
