"""Words for people, marked for translation without importing Django (clinical/ is pure Python).

Strings shown to people are written in English and marked with :func:`gettext_noop`, which returns its
argument: ``xgettext`` (run by Django's ``makemessages`` from ``src/remission/clinical``) extracts every call
into ``clinical/locale``. The faces translate them where they show them, passing their translation function
as ``words`` (the web passes Django's ``gettext``); the API and the command line keep the English, written
by :func:`as_written`. A message that carries values is a template with named placeholders
(``"missing: {fields}"``), translated first and formatted after, so a value is never translated.
"""

from __future__ import annotations

from collections.abc import Callable

Words = Callable[[str], str]


def gettext_noop(message: str) -> str:
    """Marks ``message`` for translators; returns it unchanged (the English, as written)."""
    return message


def as_written(message: str) -> str:
    """The ``words`` of the English faces: a message as it was written."""
    return message
