"""``remission quality``: the data-quality workflow at the command line.

    remission quality run [--centre CODE] [--as USER] [--quiet]
    remission quality notify

``run`` refreshes the follow-up time points, evaluates every data-quality rule over the registry (or one
centre) and opens, closes or re-opens the rules' queries (``registry.services.quality_run``), with a
progress bar; it prints the findings per rule and what changed. Run it daily (cron, a systemd timer).
``notify`` e-mails each user the day's digest of query news (``cli/quality_notify.py``).
Each action is a sub-command of its own (``ACTIONS``), registered by a ``register_<action>`` function.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from tqdm import tqdm

from remission.cli import quality_notify
from remission.cli._django import acting_user, database_label, require_registry
from remission.settings.startup import start_django

NO_CENTRE = "no centre with code {code!r}"


def run(args: argparse.Namespace) -> int:
    start_django()
    if not require_registry("quality run"):
        return 2
    from remission.registry.access import SYSTEM
    from remission.registry.errors import NotFound, RegistryError
    from remission.registry.quality.rules import RULES_BY_ID
    from remission.registry.selectors import centre_get
    from remission.registry.services.quality_run import quality_run, steps

    try:
        actor = acting_user(args.as_user)
    except LookupError as exc:
        print(f"remission quality run: {exc}", file=sys.stderr)
        return 2
    centre_id = None
    if args.centre:
        try:
            centre_id = centre_get(user=SYSTEM, code=args.centre).pk
        except NotFound:
            print(f"remission quality run: {NO_CENTRE.format(code=args.centre)}", file=sys.stderr)
            return 2
    where = f"centre {args.centre}" if args.centre else "the whole registry"
    print(f"Data-quality rules over {where} in the {database_label()}")
    with tqdm(total=steps(), unit="step", disable=args.quiet, file=sys.stderr) as bar:

        def progress(step: str) -> None:
            bar.set_postfix_str(step)
            bar.update()

        try:
            summary = quality_run(actor=actor, centre_id=centre_id, progress=progress)
        except (RegistryError, ValueError) as exc:
            print(f"remission quality run: {exc}", file=sys.stderr)
            return 2
    for rule_id, count in summary.findings.items():
        rule = RULES_BY_ID.get(rule_id)
        title = rule.title if rule else rule_id
        print(f"  {count:>8}  {rule_id}  ({title})")
    print(
        f"{summary.total_findings} finding(s) in {summary.patients} patients; queries opened "
        f"{summary.opened}, closed {summary.closed}, re-opened {summary.reopened}"
    )
    counts = summary.time_points
    print(
        f"Time points: created {counts.created}, updated {counts.updated}, deleted {counts.deleted}, "
        f"unchanged {counts.unchanged}"
    )
    return 0


def register_run(actions: argparse._SubParsersAction) -> None:
    parser = actions.add_parser(
        "run", help="refresh time points, evaluate the data-quality rules, open and close their queries"
    )
    parser.add_argument("--centre", help="only this centre (code)")
    parser.add_argument("--as", dest="as_user", help="act as this account (default: the operator)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


# The actions of ``remission quality``, in the order ``remission quality --help`` lists them.
ACTIONS: tuple[Callable[[argparse._SubParsersAction], None], ...] = (register_run, quality_notify.register)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("quality", help="data quality: rules, queries and forms due")
    actions = parser.add_subparsers(dest="quality_action", metavar="ACTION")
    for register_action in ACTIONS:
        register_action(actions)
    parser.set_defaults(func=lambda args: _help(parser))


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2
