"""Sign-in throttling: lock out a user name at an address after repeated failures, and an address that
fails for many user names (password spraying).

Two counts, kept side by side:

* per (user name, address): ``REMISSION_SIGNIN_MAX_FAILURES`` (5) failed sign-ins within
  ``REMISSION_SIGNIN_WINDOW_MINUTES`` (15) lock that pair out for ``REMISSION_SIGNIN_LOCKOUT_MINUTES`` (15);
  a successful sign-in clears this count. The same user name from another address is not locked, so a
  stranger cannot lock a colleague out.
* per address, whatever the user name: ``REMISSION_SIGNIN_ADDRESS_MAX_FAILURES`` (30) failures within the
  window pause every sign-in from that address for the lockout time. It is higher than the first because a
  hospital's staff often share one outside address; a successful sign-in does not clear it (else an
  attacker holding one valid account could reset it between guesses).

A wrong second-factor code counts as a failure like a wrong password. The counts live in Django's cache
``settings.REMISSION_SIGNIN_CACHE`` (``"signin"``): a database cache in the registry's own database (table
``remission_signin_cache``, made by ``remission migrate``), so every server process sees the same counts.
Failures arriving at the same instant in two processes may be counted once (the cache reads, then writes):
a burst of simultaneous attempts may get a few more tries, but the limit is not multiplied by the number of
processes. User names and addresses are hashed in the keys, so the cache holds neither.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.http import HttpRequest
from django.utils.translation import ngettext

MAX_FAILURES = 5
ADDRESS_MAX_FAILURES = 30
WINDOW = dt.timedelta(minutes=15)
LOCKOUT = dt.timedelta(minutes=15)
PER_PAIR = "user name and address"
PER_ADDRESS = "address"


@dataclass(frozen=True)
class Lock:
    """A lockout in force: what it is per, after how many failures, its length and the time left."""

    per: str
    failures: int
    lockout_minutes: int
    seconds_left: float

    @property
    def minutes_left(self) -> int:
        return max(1, math.ceil(self.seconds_left / 60))

    def message(self) -> str:
        minutes = self.minutes_left
        values = {"minutes": minutes, "failures": self.failures}
        if self.per == PER_ADDRESS:
            text = ngettext(
                "Sign-in from your address is paused for %(minutes)d minute after %(failures)d "
                "failed attempts from it (for any user name). Try again later, or ask your registry "
                "administrator.",
                "Sign-in from your address is paused for %(minutes)d minutes after %(failures)d "
                "failed attempts from it (for any user name). Try again later, or ask your registry "
                "administrator.",
                minutes,
            )
        else:
            text = ngettext(
                "Sign-in is locked for %(minutes)d minute after %(failures)d failed attempts for this "
                "user name from your address. Try again later, or ask your registry administrator.",
                "Sign-in is locked for %(minutes)d minutes after %(failures)d failed attempts for this "
                "user name from your address. Try again later, or ask your registry administrator.",
                minutes,
            )
        return text % values


@dataclass(frozen=True)
class Throttle:
    max_failures: int = MAX_FAILURES
    address_max_failures: int = ADDRESS_MAX_FAILURES
    window: dt.timedelta = WINDOW
    lockout: dt.timedelta = LOCKOUT

    @staticmethod
    def _pair_key(username: str, address: str) -> str:
        digest = hashlib.sha256(f"{username.strip().lower()}\x00{address}".encode()).hexdigest()
        return f"remission:signin:{digest[:40]}"

    @staticmethod
    def _address_key(address: str) -> str:
        digest = hashlib.sha256(f"address\x00{address}".encode()).hexdigest()
        return f"remission:signin:address:{digest[:40]}"

    @staticmethod
    def _cache() -> BaseCache:
        return caches[getattr(settings, "REMISSION_SIGNIN_CACHE", "signin")]

    def _lock(self, per: str, until: float, now: float) -> Lock | None:
        if until <= now:
            return None
        limit = self.address_max_failures if per == PER_ADDRESS else self.max_failures
        return Lock(per, limit, round(self.lockout.total_seconds() / 60), until - now)

    def _locked_until(self, key: str) -> float:
        return (self._cache().get(key) or {}).get("locked_until", 0.0)

    def _count(self, key: str, limit: int, now: float) -> float:
        """Count one failure under ``key``; the time a lockout this failure started ends (else 0)."""
        state = self._cache().get(key) or {}
        recent = [t for t in state.get("failures", []) if t > now - self.window.total_seconds()]
        recent.append(now)
        locked = len(recent) >= limit
        until = now + self.lockout.total_seconds() if locked else 0.0
        state = {
            "failures": [] if locked else recent,
            "locked_until": until or state.get("locked_until", 0.0),
        }
        timeout = int(max(self.window, self.lockout).total_seconds()) + 60
        self._cache().set(key, state, timeout)
        return until

    def locked(self, username: str, address: str, *, now: float | None = None) -> Lock | None:
        """The lockout that refuses this user name at this address now, if any (the pair's first)."""
        now = time.time() if now is None else now
        pair = self._lock(PER_PAIR, self._locked_until(self._pair_key(username, address)), now)
        return pair or self._lock(PER_ADDRESS, self._locked_until(self._address_key(address)), now)

    def locked_for(self, username: str, address: str, *, now: float | None = None) -> float:
        """Seconds until this user name may try again from this address (0 when it may try now)."""
        lock = self.locked(username, address, now=now)
        return lock.seconds_left if lock else 0.0

    def failed(self, username: str, address: str, *, now: float | None = None) -> Lock | None:
        """Count one failure against the pair and the address; the lockout this failure started, if any."""
        now = time.time() if now is None else now
        pair_until = self._count(self._pair_key(username, address), self.max_failures, now)
        address_until = self._count(self._address_key(address), self.address_max_failures, now)
        if pair_until:
            return self._lock(PER_PAIR, pair_until, now)
        if address_until:
            return self._lock(PER_ADDRESS, address_until, now)
        return None

    def succeeded(self, username: str, address: str) -> None:
        """Clear the pair's count (the address's count stays: see the module's notes)."""
        self._cache().delete(self._pair_key(username, address))


def current() -> Throttle:
    """The throttle the settings describe (read at each use, so that settings can change in tests)."""
    return Throttle(
        max_failures=getattr(settings, "REMISSION_SIGNIN_MAX_FAILURES", MAX_FAILURES),
        address_max_failures=getattr(settings, "REMISSION_SIGNIN_ADDRESS_MAX_FAILURES", ADDRESS_MAX_FAILURES),
        window=dt.timedelta(minutes=getattr(settings, "REMISSION_SIGNIN_WINDOW_MINUTES", 15)),
        lockout=dt.timedelta(minutes=getattr(settings, "REMISSION_SIGNIN_LOCKOUT_MINUTES", 15)),
    )


def client_address(request: HttpRequest | None) -> str:
    """The client's address as this server sees it (behind a proxy, set it up to pass REMOTE_ADDR)."""
    return (request.META.get("REMOTE_ADDR") if request is not None else None) or "unknown"
