"""The audit trail as a hash chain: the canonical content of a row, its hash, and the walk that checks them.

Every audit row carries ``sequence`` (its place in the registry's one chain: 1, 2, 3, …), ``prev_hash``
(the ``row_hash`` of the row before it; :data:`GENESIS` for the first) and ``row_hash``, the SHA-256 of
its canonical content:

* a JSON object with exactly the keys of :data:`CONTENT_FIELDS` — ``action``, ``actor_id``, ``after``,
  ``at``, ``before``, ``centre_id``, ``entity``, ``patient_id``, ``prev_hash``, ``reason``,
  ``record_id``, ``sequence`` — ids as integers or ``null``;
* ``at`` as ISO 8601 in UTC with microseconds (``2026-12-04T08:01:26.123456+00:00``);
* ``before`` and ``after`` as stored, except that a float with an integral value is written as an
  integer (``70.0`` → ``70``; PostgreSQL's ``jsonb`` gives ``1e16`` back as an integer) and keys are
  strings;
* serialised with sorted keys, separators ``,`` and ``:`` and no spaces, non-ASCII characters as
  themselves, encoded as UTF-8.

The row's database id is not part of the content: the chain's order is ``sequence``, and the id is only
where the row is stored (it names the row in messages). Because ``prev_hash`` is part of the content, a
row's hash seals the whole chain before it: changing, removing, inserting or reordering a row breaks the
chain at that row or the next. Nothing here is secret — whoever can write to the database can compute
hashes too — so a rewrite of the whole chain from some row onwards is caught by the *anchors*: the head
hash printed and kept outside the registry (``remission audit anchor``) and stored in
:class:`~remission.registry.models.AuditAnchor`; :func:`verify_chain` checks each stored anchor still lies
on the chain, and an outside party compares the one they were given.

Writing is :func:`remission.registry.services.audit.audit_write_many` (the head is locked there);
:func:`verify_chain` only reads.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

GENESIS = "0" * 64  # the prev_hash of the first row of a chain
CONTENT_FIELDS = (
    "sequence",
    "prev_hash",
    "at",
    "actor_id",
    "action",
    "entity",
    "record_id",
    "centre_id",
    "patient_id",
    "before",
    "after",
    "reason",
)
PAGE = 2000  # rows read per query while walking the chain
# json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False), its encoder made once
_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)

# What verify_chain says (module constants so that tests assert on them).
CHAIN_OK = "the chain of {rows} audit rows is intact"
CONTENT_CHANGED = (
    "row id {id} (sequence {sequence}): content hash differs — the row was changed after it was written "
    "(stored {stored}, content gives {computed})"
)
LINK_BROKEN = (
    "row id {id} (sequence {sequence}): link broken — its previous-row hash {prev_hash} is not the hash "
    "{expected} of the row before it in the chain{detail}"
)
SEQUENCE_GAP = " (the chain jumps from sequence {before} to {sequence}: rows are missing)"
SEQUENCE_FIRST = " (the chain starts at sequence {sequence}, not 1: rows are missing)"
HEAD_BEHIND = (
    "rows after the chain head: the head says sequence {head} but row id {id} has sequence {sequence} "
    "(a row added around the writer, or the head set back)"
)
HEAD_MISMATCH = (
    "chain head differs from the last row: the head says sequence {head} with hash {head_hash}, the chain "
    "ends at sequence {last} with hash {last_hash} (rows removed from the end?)"
)
HEAD_MISSING = "the chain head is missing although {rows} audit rows exist"
ANCHOR_MISMATCH = (
    "anchor {anchor} (taken {at}) recorded hash {anchored} for sequence {sequence}; "
    "the row there (id {id}) now has hash {found}: the chain was rewritten"
)
ANCHOR_BEYOND = (
    "anchor {anchor} (taken {at}) names sequence {sequence}, beyond the end of the chain at {last}: "
    "rows were removed"
)


def _as_is(value: Any) -> bool:
    """Whether the canonical JSON writes ``value`` as :func:`json.dumps` does: every key a string, no
    float with an integral value (the common case: a snapshot of strings, numbers, dates as text)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return True
    if kind is float:
        return not (math.isfinite(value) and value.is_integer())
    if kind is dict:
        return all(type(key) is str and _as_is(item) for key, item in value.items())
    if kind is list:
        return all(_as_is(item) for item in value)
    return False


def _normal(value: Any) -> Any:
    """``value`` as the canonical JSON writes it (see the module docstring)."""
    return value if _as_is(value) else _rewritten(value)


def _rewritten(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _rewritten(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_rewritten(item) for item in value]
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical_content(values: Mapping[str, Any]) -> bytes:
    """The canonical JSON of one audit row (``values`` holds at least :data:`CONTENT_FIELDS`)."""
    content = {name: values[name] for name in CONTENT_FIELDS}
    content["at"] = _utc(content["at"])
    content["before"] = _normal(content["before"])
    content["after"] = _normal(content["after"])
    return _CANONICAL_JSON.encode(content).encode("utf-8")


def content_hash(values: Mapping[str, Any]) -> str:
    """The SHA-256 (hex) of :func:`canonical_content` — what ``row_hash`` holds."""
    return hashlib.sha256(canonical_content(values)).hexdigest()


@dataclass(frozen=True)
class ChainCheck:
    """What :func:`verify_chain` found: ``ok``, how many rows it read, the id of the first broken row
    (``None`` when intact, or when what is wrong is not one row, e.g. rows missing at the end), why,
    the hash of the last row read (:data:`GENESIS` for an empty chain) and the anchors checked."""

    ok: bool
    rows_checked: int
    first_broken: int | None
    reason: str
    head_hash: str
    head_sequence: int = 0
    anchors_checked: int = 0


def _rows_after(rows: QuerySet[Any], sequence: int) -> Iterator[dict[str, Any]]:
    """Every audit row after ``sequence``, in chain order, one page per query (keyset pagination)."""
    while True:
        page = list(rows.filter(sequence__gt=sequence).order_by("sequence")[:PAGE])
        yield from page
        if len(page) < PAGE:
            return
        sequence = page[-1]["sequence"]


def verify_chain(*, using: str = "default") -> ChainCheck:
    """Walk the audit chain of the database ``using`` from its first row to its head; name the first
    broken row. Reads only. Rows written while it walks are walked too (it ends at the head it reads
    last), so it may run beside writers."""
    from remission.registry.models import AuditAnchor, AuditChainHead, AuditRecord

    rows = AuditRecord.objects.using(using).values("id", "row_hash", *CONTENT_FIELDS)
    anchors: dict[int, list[Any]] = {}
    for anchor in AuditAnchor.objects.using(using).order_by("id"):
        anchors.setdefault(anchor.sequence, []).append(anchor)
    last_sequence, last_hash, last_id, count, anchors_checked = 0, GENESIS, None, 0, 0

    def broken(row_id: int | None, reason: str) -> ChainCheck:
        return ChainCheck(False, count, row_id, reason, last_hash, last_sequence, anchors_checked)

    for anchor in anchors.get(0, ()):  # an anchor of the empty chain
        anchors_checked += 1
        if anchor.row_hash != GENESIS:
            return broken(None, _anchor_mismatch(anchor, None, GENESIS))
    while True:
        for row in _rows_after(rows, last_sequence):
            computed = content_hash(row)
            if computed != row["row_hash"]:
                return broken(
                    row["id"],
                    CONTENT_CHANGED.format(
                        id=row["id"], sequence=row["sequence"], stored=row["row_hash"], computed=computed
                    ),
                )
            if row["sequence"] != last_sequence + 1 or row["prev_hash"] != last_hash:
                detail = ""
                if row["sequence"] != last_sequence + 1:
                    detail = (
                        SEQUENCE_GAP.format(before=last_sequence, sequence=row["sequence"])
                        if last_sequence
                        else SEQUENCE_FIRST.format(sequence=row["sequence"])
                    )
                return broken(
                    row["id"],
                    LINK_BROKEN.format(
                        id=row["id"],
                        sequence=row["sequence"],
                        prev_hash=row["prev_hash"],
                        expected=last_hash,
                        detail=detail,
                    ),
                )
            for anchor in anchors.get(row["sequence"], ()):
                anchors_checked += 1
                if anchor.row_hash != computed:
                    return broken(row["id"], _anchor_mismatch(anchor, row["id"], computed))
            count += 1
            last_sequence, last_hash, last_id = row["sequence"], computed, row["id"]
        head = AuditChainHead.objects.using(using).filter(pk=1).first()
        if head is None:
            if count:
                return broken(None, HEAD_MISSING.format(rows=count))
            break
        if head.sequence > last_sequence:
            # rows committed while we walked: the head was read after them, walk on to it
            if rows.filter(sequence__gt=last_sequence).exists():
                continue
            return broken(
                None,
                HEAD_MISMATCH.format(
                    head=head.sequence, head_hash=head.row_hash, last=last_sequence, last_hash=last_hash
                ),
            )
        if head.sequence < last_sequence:
            return broken(last_id, HEAD_BEHIND.format(head=head.sequence, id=last_id, sequence=last_sequence))
        if head.row_hash != last_hash:
            return broken(
                last_id,
                HEAD_MISMATCH.format(
                    head=head.sequence, head_hash=head.row_hash, last=last_sequence, last_hash=last_hash
                ),
            )
        break
    for sequence in sorted(s for s in anchors if s > last_sequence):
        anchor = anchors[sequence][0]
        return broken(
            None,
            ANCHOR_BEYOND.format(anchor=anchor.pk, at=_utc(anchor.at), sequence=sequence, last=last_sequence),
        )
    return ChainCheck(
        True, count, None, CHAIN_OK.format(rows=count), last_hash, last_sequence, anchors_checked
    )


def _anchor_mismatch(anchor: Any, row_id: int | None, found: str) -> str:
    return ANCHOR_MISMATCH.format(
        anchor=anchor.pk,
        at=_utc(anchor.at),
        anchored=anchor.row_hash,
        sequence=anchor.sequence,
        id=row_id,
        found=found,
    )
