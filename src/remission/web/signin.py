"""Sign-in throttling: after repeated failures for one user name from one address, refuse for a while.

``MAX_FAILURES`` failed sign-ins for the same (user name, IP address) within ``WINDOW`` lock that pair
out for ``LOCKOUT``; a successful sign-in clears the count. The counts live in Django's cache
``settings.REMISSION_SIGNIN_CACHE`` (``"signin"``): a database cache in the registry's own database
(table ``remission_signin_cache``, made by ``remission migrate``), so every server process sees the same
counts. Failures arriving at the same instant in two processes may be counted once (the cache reads, then
writes): a burst of simultaneous attempts may get a few more tries, but the limit is no longer multiplied
by the number of processes. The user name is lower-cased and hashed in the key, so the cache never holds
user names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import BaseCache, caches

MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)
LOCKOUT = dt.timedelta(minutes=15)
LOCKED_OUT = (
    "Too many failed sign-ins for this user name from your address. "
    "Try again in {minutes} minute{plural}, or ask your registry administrator."
)


@dataclass(frozen=True)
class Throttle:
    max_failures: int = MAX_FAILURES
    window: dt.timedelta = WINDOW
    lockout: dt.timedelta = LOCKOUT

    @staticmethod
    def _key(username: str, address: str) -> str:
        digest = hashlib.sha256(f"{username.strip().lower()}\x00{address}".encode()).hexdigest()
        return f"remission:signin:{digest[:40]}"

    @staticmethod
    def _cache() -> BaseCache:
        return caches[getattr(settings, "REMISSION_SIGNIN_CACHE", "signin")]

    def locked_for(self, username: str, address: str, *, now: float | None = None) -> float:
        """Seconds until this pair may try again (0 when it may try now)."""
        now = time.time() if now is None else now
        state = self._cache().get(self._key(username, address)) or {}
        until = state.get("locked_until", 0.0)
        return max(0.0, until - now)

    def failed(self, username: str, address: str, *, now: float | None = None) -> bool:
        """Count one failure; True when this failure locks the pair out."""
        now = time.time() if now is None else now
        key = self._key(username, address)
        state = self._cache().get(key) or {}
        recent = [t for t in state.get("failures", []) if t > now - self.window.total_seconds()]
        recent.append(now)
        locked = len(recent) >= self.max_failures
        state = {"failures": [] if locked else recent, "locked_until": state.get("locked_until", 0.0)}
        if locked:
            state["locked_until"] = now + self.lockout.total_seconds()
        timeout = int(max(self.window, self.lockout).total_seconds()) + 60
        self._cache().set(key, state, timeout)
        return locked

    def succeeded(self, username: str, address: str) -> None:
        self._cache().delete(self._key(username, address))


THROTTLE = Throttle()


def locked_message(seconds: float) -> str:
    minutes = max(1, int(seconds // 60) + (1 if seconds % 60 else 0))
    return LOCKED_OUT.format(minutes=minutes, plural="" if minutes == 1 else "s")
