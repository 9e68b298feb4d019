"""The installation's own secret key, for a registry started without ``SECRET_KEY`` in the environment.

The base settings (``remission serve``, ``remission demo`` and the other commands on one machine) must not
sign sessions and CSRF tokens with a key printed in the source. The first start writes 50 random
characters to ``<REMISSION_DATA_DIR>/secret_key`` (mode 0600, readable by the owner only); every later
start reads that file, so sessions survive restarts. Production settings do not read the file: they
require ``SECRET_KEY`` in the environment (see :mod:`remission.settings.production`).

Two processes starting at once agree on one key: the key is written to a private temporary file and
linked to its final name, which fails for the second process; that process then reads the first one's
key. A file is never seen half-written.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

SECRET_KEY_FILE = "secret_key"
KEY_BYTES = 48  # 64 URL-safe characters
PRIVATE = 0o600
SHORT_KEY = "the secret key file {path} holds fewer than 32 characters; delete it to make a new one"
OPEN_KEY = "the secret key file {path} can be read by others (mode {mode:o}); run: chmod 600 {path}"


def installation_secret_key(data_dir: Path) -> str:
    """The key in ``data_dir/secret_key``, made on first use (mode 0600).

    Raises ``RuntimeError`` when the file is too short or readable by the group or others.
    """
    path = data_dir / SECRET_KEY_FILE
    if not path.exists():
        _write_once(path, secrets.token_urlsafe(KEY_BYTES))
    mode = path.stat().st_mode & 0o777
    if os.name == "posix" and mode & 0o077:
        raise RuntimeError(OPEN_KEY.format(path=path, mode=mode))
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise RuntimeError(SHORT_KEY.format(path=path))
    return key


def _write_once(path: Path, key: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        # linking fails if another process made the key first: theirs is the key
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
