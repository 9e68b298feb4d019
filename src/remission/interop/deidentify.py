"""De-identification of extracts: keyed pseudonyms, one date shift per patient, a k-anonymity summary.

Rules (docs/exchange.md):

- the patient key (registry ID) becomes ``P`` + the first 16 hex digits of HMAC-SHA-256(key, registry
  ID): stable across extracts made with the same key, and not computable without it;
- every record key becomes the first 53 bits of HMAC-SHA-256(key, ``table:record id``) (a whole number a
  double holds exactly, so Stata and SPSS keep it), references to other records likewise;
- every date of a patient moves by one offset of 1 to 180 days, earlier or later, drawn from
  HMAC-SHA-256(key, ``shift:`` registry ID): the same for every date of the patient and every extract,
  so intervals and day numbers from day 0 stay exact;
- the birth month is dropped (the birth year stays), and so is every free-text field
  (``fields.FREE_TEXT``); hospital numbers are in no extract.

The key is the setting ``REMISSION_PSEUDONYM_KEY`` (environment variable of the same name; production
refuses to start without it).
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

MAX_SHIFT_DAYS = 180
RECORD_BITS = 53  # a double holds every whole number up to 2**53 exactly
K_THRESHOLD = 5  # groups smaller than this are listed as at risk (a common choice; see docs/exchange.md)
QUASI_IDENTIFIERS: tuple[str, ...] = ("age_band", "sex", "centre", "primary_disease")
NO_KEY = "the pseudonym key (REMISSION_PSEUDONYM_KEY) is empty"


def pseudonym_key() -> bytes:
    """The registry's pseudonym key, from the settings."""
    from django.conf import settings

    key = getattr(settings, "REMISSION_PSEUDONYM_KEY", "") or ""
    if not key:
        raise ValueError(NO_KEY)
    return key.encode("utf-8")


def _digest(key: bytes, message: str) -> bytes:
    return hmac.digest(key, message.encode("utf-8"), hashlib.sha256)


def patient_pseudonym(key: bytes, registry_id: str) -> str:
    """The pseudonym of one patient: ``P`` and 16 hex digits."""
    return "P" + _digest(key, f"patient:{registry_id}").hex()[:16]


def date_shift(key: bytes, registry_id: str) -> int:
    """The patient's date offset in days: ±1 … ±180, never 0."""
    value = int.from_bytes(_digest(key, f"shift:{registry_id}")[:4], "big")
    size = 1 + (value >> 1) % MAX_SHIFT_DAYS
    return size if value & 1 else -size


def record_pseudonym(key: bytes, table: str, record_id: int) -> int:
    """The pseudonym of one record of ``table``: a whole number below 2**53."""
    value = int.from_bytes(_digest(key, f"{table}:{record_id}")[:8], "big")
    return value >> (64 - RECORD_BITS)


def record_pseudonyms(key: bytes, table: str, record_ids: np.ndarray) -> np.ndarray:
    """:func:`record_pseudonym` of each id (int64 array; NaN/None stays missing as a float array)."""
    values = np.asarray(record_ids, dtype=np.float64)
    out = np.full(values.shape, np.nan)
    present = ~np.isnan(values)
    out[present] = [record_pseudonym(key, table, int(v)) for v in values[present]]
    if present.all():
        return out.astype(np.int64)
    return out


@dataclass(frozen=True)
class KGroup:
    """One combination of the quasi-identifiers and how many patients share it."""

    values: tuple[str, ...]
    count: int


@dataclass(frozen=True)
class KAnonymity:
    """How many patients share each combination of the quasi-identifiers (age band, sex, centre, disease).

    ``k`` is the size of the smallest group: every patient is indistinguishable, on these columns, from at
    least k − 1 others. Groups smaller than ``threshold`` are at risk of re-identification.
    """

    quasi_identifiers: tuple[str, ...]
    groups: tuple[KGroup, ...]
    threshold: int = K_THRESHOLD

    @property
    def patients(self) -> int:
        return sum(g.count for g in self.groups)

    @property
    def k(self) -> int:
        return min((g.count for g in self.groups), default=0)

    @property
    def small_groups(self) -> tuple[KGroup, ...]:
        return tuple(g for g in self.groups if g.count < self.threshold)

    def summary(self) -> str:
        small = self.small_groups
        at_risk = sum(g.count for g in small)
        return (
            f"k-anonymity over {', '.join(self.quasi_identifiers)}: k = {self.k} "
            f"({self.patients} patients in {len(self.groups)} groups; {len(small)} groups of fewer than "
            f"{self.threshold} patients hold {at_risk} patients)"
        )

    def rows(self) -> list[tuple[str | int, ...]]:
        """The groups as rows under :meth:`header`, smallest first."""
        ordered = sorted(self.groups, key=lambda g: (g.count, g.values))
        return [(*g.values, g.count, "yes" if g.count < self.threshold else "") for g in ordered]

    def header(self) -> tuple[str, ...]:
        return (*self.quasi_identifiers, "patients", f"fewer_than_{self.threshold}")

    def to_csv(self) -> str:
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        buffer.write(f"# {self.summary()}\n")  # a comment line (pandas: comment="#")
        writer.writerow(self.header())
        writer.writerows(self.rows())
        return buffer.getvalue()


def k_anonymity(
    rows: Iterable[Sequence[str]], *, quasi_identifiers: tuple[str, ...] = QUASI_IDENTIFIERS
) -> KAnonymity:
    """Count the patients of each combination of ``quasi_identifiers`` (one row per patient)."""
    counts = Counter(tuple("" if v is None else str(v) for v in row) for row in rows)
    groups = tuple(KGroup(values, n) for values, n in sorted(counts.items()))
    return KAnonymity(quasi_identifiers, groups)
