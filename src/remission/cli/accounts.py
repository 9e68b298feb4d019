"""``remission createcentre`` and ``remission createuser``: set up centres and personal accounts."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass

from remission.cli._django import setup_django
from remission.registry.codes import CENTRE_ROLES, Role


def create_centre(args: argparse.Namespace) -> int:
    setup_django()
    from remission.registry import services
    from remission.registry.access import SYSTEM
    from remission.registry.errors import ValidationFailed

    try:
        centre = services.centre_create(
            actor=SYSTEM,
            code=args.code,
            name=args.name,
            country=args.country.upper(),
            ebmt_cic=args.ebmt_cic,
            cibmtr_ccn=args.cibmtr_ccn,
            jacie_accredited=args.jacie,
            first_procedure_year=args.first_year,
        )
    except ValidationFailed as exc:
        for problem in exc.problems:
            print(f"error: {problem}")
        return 2
    print(f"Created centre {centre}")
    return 0


def create_user(args: argparse.Namespace) -> int:
    setup_django()
    from remission.registry import services
    from remission.registry.access import SYSTEM
    from remission.registry.errors import ValidationFailed
    from remission.registry.models import Centre

    if args.role in CENTRE_ROLES and not args.centre:
        print(f"error: role {args.role} needs --centre CODE")
        return 2
    if args.role not in CENTRE_ROLES and args.centre:
        print(f"error: role {args.role} is registry-wide; leave out --centre")
        return 2
    centre = None
    if args.centre:
        centre = Centre.objects.filter(code=args.centre).first()
        if centre is None:
            print(f"error: no centre with code {args.centre!r}")
            return 2
    password = args.password or getpass.getpass(f"Password for {args.username}: ")
    try:
        user = services.user_create(actor=SYSTEM, username=args.username, password=password, email=args.email)
        services.membership_grant(
            actor=SYSTEM, user=user, role=args.role, centre=centre, valid_from=dt.date.today()
        )
    except ValidationFailed as exc:
        for problem in exc.problems:
            print(f"error: {problem}")
        return 2
    where = f" at {centre.code}" if centre else ""
    print(f"Created user {user.username} ({args.role}{where})")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    centre = subparsers.add_parser("createcentre", help="add a centre")
    centre.add_argument("code", help="short stable code, e.g. leiden")
    centre.add_argument("name")
    centre.add_argument("--country", required=True, help="ISO 3166-1 alpha-2, e.g. NL")
    centre.add_argument("--ebmt-cic", default="")
    centre.add_argument("--cibmtr-ccn", default="")
    centre.add_argument("--jacie", action="store_true", help="JACIE/FACT accredited")
    centre.add_argument("--first-year", type=int, default=None)
    centre.set_defaults(func=create_centre)

    user = subparsers.add_parser("createuser", help="add a personal account with one role")
    user.add_argument("username")
    user.add_argument("--role", required=True, choices=[r.value for r in Role])
    user.add_argument("--centre", help="centre code (centre roles only)")
    user.add_argument("--email", default="")
    user.add_argument("--password", help="asked for when left out")
    user.set_defaults(func=create_user)
