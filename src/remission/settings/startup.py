"""Starting Django outside a web server, one way: the commands, the analysis layer
(``load_cohort(database_url=...)``) and a federated node all call :func:`start_django`.

The environment is read once (:mod:`remission.settings.environment`). A caller that names its own database
or data folder passes them here: they replace what the environment says for this process, before the
settings are read. Nothing is written to ``os.environ`` except Django's own ``DJANGO_SETTINGS_MODULE``
default. Once the settings are read the database is fixed: asking for another one is an error, not a
silent switch.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_SETTINGS = "remission.settings.base"
OTHER_DATABASE = (
    "Django is already set up for {current}; it cannot switch to {wanted} in the same process. "
    "Start a new Python process for the other registry."
)


def start_django(
    *, database_url: str | None = None, data_dir: Path | str | None = None, settings: str | None = None
) -> None:
    """Set Django up unless it is set up already (for the same database, else RuntimeError).

    ``database_url``: the database, instead of ``DATABASE_URL``; ``""`` means none, the embedded SQLite
    file in the data folder. ``data_dir``: that folder, instead of ``REMISSION_DATA_DIR``. ``settings``:
    the settings module when ``DJANGO_SETTINGS_MODULE`` is unset (default ``remission.settings.base``).
    """
    import django
    from django.apps import apps
    from django.conf import settings as django_settings

    from remission.settings import environment

    if django_settings.configured:
        refuse_other_database(database_url)
        if not apps.ready:
            django.setup()
        return
    env = environment.choose(database_url=database_url, data_dir=data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings or DEFAULT_SETTINGS)
    if not env.database_url:
        env.data_dir.mkdir(parents=True, exist_ok=True)
    django.setup()


def refuse_other_database(database_url: str | None) -> None:
    """Raise RuntimeError when the settings already name a database other than ``database_url``."""
    if not database_url:
        return
    import dj_database_url
    from django.conf import settings

    wanted = dj_database_url.parse(database_url)
    current = settings.DATABASES["default"]
    if any(str(wanted.get(k) or "") != str(current.get(k) or "") for k in ("NAME", "HOST", "PORT")):
        raise RuntimeError(OTHER_DATABASE.format(current=current.get("NAME"), wanted=wanted.get("NAME")))
