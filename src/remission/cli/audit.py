"""``remission audit``: check the audit trail's hash chain, and anchor its head.

* ``remission audit verify`` walks the chain from its first row to its head, checks every stored anchor
  lies on it, and names the first broken row; exit code 0 when intact, 1 when not. It only reads.
* ``remission audit anchor`` verifies the chain, then prints its head hash with the time and stores it
  as an anchor; give the printed line to someone outside the registry (an e-mail to the data protection
  officer, a ticket, a notary), who can later ask for ``verify`` to show it still holds. Storing the
  anchor is a write and is audited: its audit row follows the anchored head. A broken chain is not
  anchored (exit code 1).
"""

from __future__ import annotations

import argparse

from remission.cli._django import acting_user, database_label, require_registry
from remission.settings.startup import start_django

INTACT = (
    "audit chain intact: {rows:,} rows, {anchors} anchor(s) checked, head sequence {sequence}, hash {hash}"
)
BROKEN = "audit chain BROKEN after {rows:,} good rows{at}: {reason}"
NOT_ANCHORED = "not anchored: the chain must verify first"
ANCHORED = "anchor {anchor}: {at} sequence {sequence} head hash {hash}"


def verify(args: argparse.Namespace) -> int:
    start_django()
    if not require_registry("audit"):
        return 2
    from remission.registry.audit_chain import verify_chain

    print(f"Verifying the audit chain of the {database_label()}")
    check = verify_chain()
    if check.ok:
        print(
            INTACT.format(
                rows=check.rows_checked,
                anchors=check.anchors_checked,
                sequence=check.head_sequence,
                hash=check.head_hash,
            )
        )
        return 0
    at = f" (first broken row: id {check.first_broken})" if check.first_broken is not None else ""
    print(BROKEN.format(rows=check.rows_checked, at=at, reason=check.reason))
    return 1


def anchor(args: argparse.Namespace) -> int:
    if verify(args):
        print(NOT_ANCHORED)
        return 1
    from remission.registry.services.audit import audit_anchor

    try:
        actor = acting_user(args.acting_as)
    except LookupError as exc:
        print(exc)
        return 2
    stored = audit_anchor(actor=actor, note=args.note)
    at = stored.at.isoformat(timespec="seconds")
    print(ANCHORED.format(anchor=stored.pk, at=at, sequence=stored.sequence, hash=stored.row_hash))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("audit", help="verify the audit trail's hash chain; anchor its head")
    commands = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    check = commands.add_parser("verify", help="walk the hash chain and name the first broken row")
    check.set_defaults(func=verify)
    store = commands.add_parser("anchor", help="print the head hash with the time and store it as an anchor")
    store.add_argument("--note", default="", help="where the anchor goes (kept with it)")
    store.add_argument(
        "--as", dest="acting_as", metavar="USER", help="the account anchoring (default: operator)"
    )
    store.set_defaults(func=anchor)
