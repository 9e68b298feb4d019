"""``remission quality notify``: send each user the day's e-mail of query news (at most one a day).

Registered under ``remission quality`` (``cli/quality.py``). Run it once a day (cron, a systemd timer);
running it again the same day sends nothing to whoever already had their digest. E-mails go through
Django's e-mail framework: printed to the console unless ``REMISSION_EMAIL_HOST`` names an SMTP server.
"""

from __future__ import annotations

import argparse

from remission.cli._django import require_registry
from remission.settings.startup import start_django


def run(args: argparse.Namespace) -> int:
    start_django()
    if not require_registry("quality notify"):
        return 2
    from remission.registry.services.digests import query_digests_send

    sent = query_digests_send()
    print(f"Sent {sent} query digest{'' if sent == 1 else 's'}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``notify`` to the sub-commands of ``remission quality``."""
    parser = subparsers.add_parser(
        "notify", help="e-mail each user their daily digest of query news (raised, answered, commented)"
    )
    parser.set_defaults(func=run)
