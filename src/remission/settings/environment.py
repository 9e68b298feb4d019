"""Everything Remission reads from the environment, read once, here.

=============================  ==================================================================
variable                       meaning
=============================  ==================================================================
``DATABASE_URL``               database to use, e.g. ``postgres://user@host:5432/remission``;
                               unset means an SQLite file in ``REMISSION_DATA_DIR``
``REMISSION_DATA_DIR``         folder for the embedded SQLite registry (default ``./var``)
``SECRET_KEY``                 Django secret key; required in production
``REMISSION_PSEUDONYM_KEY``    key of the HMAC pseudonyms and date shifts of de-identified
                               extracts (``remission.interop.deidentify``); required in production
``DEBUG``                      ``1``/``true`` turns debug on (refused in production)
``ALLOWED_HOSTS``              comma-separated host names (production)
``CI``                         ``true`` on the continuous-integration machine
``REMISSION_EMAIL_HOST``       SMTP server of the daily query e-mails; unset: e-mails are printed
                               to the console (``remission quality notify``)
``REMISSION_EMAIL_PORT``       its port (default 587), ``REMISSION_EMAIL_USER``,
                               ``REMISSION_EMAIL_PASSWORD``, ``REMISSION_EMAIL_TLS`` (default on)
``REMISSION_EMAIL_FROM``       the sender's address
``REMISSION_SITE_URL``         the address users reach the registry at, for links in e-mails
=============================  ==================================================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in TRUE_WORDS


@dataclass(frozen=True)
class Environment:
    database_url: str | None
    data_dir: Path
    secret_key: str | None
    debug: bool
    allowed_hosts: tuple[str, ...]
    ci: bool
    pseudonym_key: str | None = None
    email_host: str | None = None
    email_port: int = 587
    email_user: str = ""
    email_password: str = ""
    email_tls: bool = True
    email_from: str = "remission@localhost"
    site_url: str = "http://127.0.0.1:8000"

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "remission.sqlite3"


def read_environment(environ: dict[str, str] | None = None) -> Environment:
    env = os.environ if environ is None else environ
    hosts = tuple(h.strip() for h in env.get("ALLOWED_HOSTS", "").split(",") if h.strip())
    return Environment(
        database_url=env.get("DATABASE_URL") or None,
        data_dir=Path(env.get("REMISSION_DATA_DIR", "var")).resolve(),
        secret_key=env.get("SECRET_KEY") or None,
        debug=_flag(env.get("DEBUG")),
        allowed_hosts=hosts,
        ci=_flag(env.get("CI")),
        pseudonym_key=env.get("REMISSION_PSEUDONYM_KEY") or None,
        email_host=env.get("REMISSION_EMAIL_HOST") or None,
        email_port=int(env.get("REMISSION_EMAIL_PORT") or 587),
        email_user=env.get("REMISSION_EMAIL_USER", ""),
        email_password=env.get("REMISSION_EMAIL_PASSWORD", ""),
        email_tls=_flag(env.get("REMISSION_EMAIL_TLS", "1")),
        email_from=env.get("REMISSION_EMAIL_FROM") or "remission@localhost",
        site_url=env.get("REMISSION_SITE_URL") or "http://127.0.0.1:8000",
    )


NO_SECRET_KEY = "SECRET_KEY must be set in the environment for production"
DEBUG_IN_PRODUCTION = "DEBUG must be off in production (unset DEBUG or set it to 0)"
NO_ALLOWED_HOSTS = "ALLOWED_HOSTS must list the host names this registry is served under"
NO_PSEUDONYM_KEY = "REMISSION_PSEUDONYM_KEY must be set in the environment for production"


def production_problems(env: Environment) -> list[str]:
    """Why ``env`` is not fit for production (empty when it is)."""
    problems = []
    if not env.secret_key:
        problems.append(NO_SECRET_KEY)
    if env.debug:
        problems.append(DEBUG_IN_PRODUCTION)
    if not env.allowed_hosts:
        problems.append(NO_ALLOWED_HOSTS)
    if not env.pseudonym_key:
        problems.append(NO_PSEUDONYM_KEY)
    return problems


ENV = read_environment()


def choose(*, database_url: str | None = None, data_dir: Path | str | None = None) -> Environment:
    """Use ``database_url`` (or, with ``data_dir``, the SQLite file there) instead of what the environment
    says, for this process: called by :func:`remission.settings.startup.start_django` before the
    settings are read, never after."""
    global ENV
    if database_url is not None:
        ENV = replace(ENV, database_url=database_url or None)
    if data_dir is not None:
        ENV = replace(ENV, data_dir=Path(data_dir).resolve())
    return ENV
