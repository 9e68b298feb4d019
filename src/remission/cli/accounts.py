"""Centres and personal accounts at the command line.

``createcentre`` and ``createuser`` set them up; ``users`` lists the accounts (it only reads);
``resetpassword``, ``deactivateuser``, ``reactivateuser``, ``resetotp`` (remove a lost second factor) and
``endmembership`` manage them. The operator acts as the system (audited as "command line" unless
``--reason`` says more); every change leaves an audit row, as the same action on the web does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass

from remission.registry.codes import CENTRE_ROLES, Role
from remission.settings.startup import start_django


def create_centre(args: argparse.Namespace) -> int:
    start_django()
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
    start_django()
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


NO_USER = "error: no account named {name!r}"
NO_MEMBERSHIP = "error: {name} has no {role} membership{where}"
PASSWORDS_DIFFER = "error: the two passwords differ"


def _account(name: str) -> object | None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=name).first()
    if user is None:
        print(NO_USER.format(name=name))
    return user


def _problems(exc: Exception) -> int:
    for problem in getattr(exc, "problems", ()):
        print(f"error: {problem}")
    return 2


def _new_password(args: argparse.Namespace) -> str | None:
    if args.password:
        return args.password
    first = getpass.getpass(f"New password for {args.username}: ")
    if getpass.getpass("Again: ") != first:
        print(PASSWORDS_DIFFER)
        return None
    return first


def list_users(args: argparse.Namespace) -> int:
    start_django()
    from remission.registry.access import SYSTEM
    from remission.registry.selectors import membership_list
    from remission.registry.selectors.accounts import user_list

    today = dt.date.today()
    roles: dict[int, list[str]] = {}
    for m in membership_list(user=SYSTEM):
        if m.valid_to is None or m.valid_to >= today:
            roles.setdefault(m.user_id, []).append(f"{m.role}@{m.centre.code if m.centre_id else 'registry'}")
    for user in user_list(user=SYSTEM):
        status = "active" if user.is_active else "deactivated"
        factor = "totp" if user.second_factors else "-"
        print(f"{user.username}\t{status}\t{factor}\t{', '.join(roles.get(user.pk, [])) or '-'}")
    return 0


def reset_password(args: argparse.Namespace) -> int:
    start_django()
    from remission.registry.access import SYSTEM
    from remission.registry.errors import ValidationFailed
    from remission.registry.services import accounts

    user = _account(args.username)
    if user is None:
        return 2
    password = _new_password(args)
    if password is None:
        return 2
    try:
        accounts.password_reset(actor=SYSTEM, user=user, new_password=password, reason=args.reason)
    except ValidationFailed as exc:
        return _problems(exc)
    print(f"Password of {args.username} reset; their signed-in sessions have ended")
    return 0


def _set_active(args: argparse.Namespace, *, active: bool) -> int:
    start_django()
    from remission.registry.access import SYSTEM
    from remission.registry.errors import ValidationFailed
    from remission.registry.services import accounts

    user = _account(args.username)
    if user is None:
        return 2
    change = accounts.user_reactivate if active else accounts.user_deactivate
    try:
        change(actor=SYSTEM, user=user, reason=args.reason)
    except ValidationFailed as exc:
        return _problems(exc)
    print(f"{args.username} {'reactivated' if active else 'deactivated (no sign-in, no API tokens)'}")
    return 0


def deactivate_user(args: argparse.Namespace) -> int:
    return _set_active(args, active=False)


def reactivate_user(args: argparse.Namespace) -> int:
    return _set_active(args, active=True)


def reset_second_factor(args: argparse.Namespace) -> int:
    start_django()
    from remission.registry.access import SYSTEM
    from remission.registry.errors import ValidationFailed
    from remission.registry.services import accounts

    user = _account(args.username)
    if user is None:
        return 2
    try:
        count = accounts.second_factor_reset(actor=SYSTEM, user=user, reason=args.reason)
    except ValidationFailed as exc:
        return _problems(exc)
    print(f"Removed {count} second factor(s) of {args.username}; they set up a new one at next sign-in")
    return 0


def end_membership(args: argparse.Namespace) -> int:
    start_django()
    from remission.registry import services
    from remission.registry.access import SYSTEM
    from remission.registry.errors import StaleEdit, ValidationFailed
    from remission.registry.selectors import membership_list

    user = _account(args.username)
    if user is None:
        return 2
    rows = membership_list(user=SYSTEM).filter(user=user, role=args.role)
    rows = rows.filter(centre__code=args.centre) if args.centre else rows.filter(centre__isnull=True)
    membership = rows.first()
    if membership is None:
        where = f" at {args.centre}" if args.centre else ""
        print(NO_MEMBERSHIP.format(name=args.username, role=args.role, where=where))
        return 2
    last_day = args.last_day or dt.date.today()
    try:
        services.membership_end(
            actor=SYSTEM, membership=membership, version=membership.version, on=last_day, reason=args.reason
        )
    except StaleEdit as exc:
        print(f"error: {exc}")
        return 2
    except ValidationFailed as exc:
        return _problems(exc)
    print(f"Membership {args.role} of {args.username} ends on {last_day:%Y-%m-%d}")
    return 0


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


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

    users = subparsers.add_parser("users", help="list the accounts, their status and current roles")
    users.set_defaults(func=list_users)

    reset = subparsers.add_parser("resetpassword", help="set a new password for an account (audited)")
    reset.add_argument("username")
    reset.add_argument("--password", help="asked for (twice) when left out")
    reset.add_argument("--reason", default="")
    reset.set_defaults(func=reset_password)

    deactivate = subparsers.add_parser("deactivateuser", help="stop an account signing in or using the API")
    deactivate.add_argument("username")
    deactivate.add_argument("--reason", default="")
    deactivate.set_defaults(func=deactivate_user)

    reactivate = subparsers.add_parser("reactivateuser", help="let a deactivated account sign in again")
    reactivate.add_argument("username")
    reactivate.add_argument("--reason", default="")
    reactivate.set_defaults(func=reactivate_user)

    otp = subparsers.add_parser("resetotp", help="remove an account's second factor (a lost phone)")
    otp.add_argument("username")
    otp.add_argument("--reason", default="")
    otp.set_defaults(func=reset_second_factor)

    end = subparsers.add_parser("endmembership", help="end a user's role at a centre or registry-wide")
    end.add_argument("username")
    end.add_argument("--role", required=True, choices=[r.value for r in Role])
    end.add_argument("--centre", help="centre code (centre roles only)")
    end.add_argument("--last-day", type=_date, help="last day the role counts (default today)")
    end.add_argument("--reason", default="")
    end.set_defaults(func=end_membership)
