"""``remission token USER --name NAME``: make an API token for an account, at the server's command line.

Besides the web page *API tokens*, this is the one way to make a token (an operator with access to the
server's command line; the API cannot make tokens). The token is printed once; only its digest is stored.
"""

from __future__ import annotations

import argparse

from remission.settings.startup import start_django

NO_ACTIVE_USER = "error: no active account named {name!r}"
MADE = "Token {name!r} for {user} ({scope}, expires {expires:%Y-%m-%d %H:%M} UTC); shown only now:"


def run(args: argparse.Namespace) -> int:
    start_django()
    from django.contrib.auth import get_user_model

    from remission.registry.errors import ValidationFailed
    from remission.registry.services.tokens import token_create

    user = get_user_model().objects.filter(username=args.username, is_active=True).first()
    if user is None:
        print(NO_ACTIVE_USER.format(name=args.username))
        return 2
    try:
        token, raw = token_create(actor=user, name=args.name, scope=args.scope, days=args.days)
    except ValidationFailed as exc:
        for problem in exc.problems:
            print(f"error: {problem}")
        return 2
    print(MADE.format(name=token.name, user=user.username, scope=token.scope, expires=token.expires_at))
    print(raw)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("token", help="make an API token for an account (printed once)")
    parser.add_argument("username", help="the account the token acts as")
    parser.add_argument("--name", required=True, help="what the token is for")
    parser.add_argument(
        "--scope", choices=("read", "read-write"), default="read", help="what it may do (default read)"
    )
    parser.add_argument("--days", type=int, default=None, help="days until it expires (default: settings)")
    parser.set_defaults(func=run)
