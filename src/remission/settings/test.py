"""Settings for the test suite: the same as base, with a fast password hasher.

With ``DATABASE_URL`` set the tests run on that database (pytest-django creates ``test_<name>``);
otherwise on SQLite.
"""

from remission.settings.base import *  # noqa: F403
from remission.settings.base import ENV

SECRET_KEY = "remission-test-key"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if not ENV.database_url:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(ENV.data_dir / "test.sqlite3"),
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
            "TEST": {"NAME": None},  # in-memory database for the test run
        }
    }
