"""Words for people, marked for translation without importing Django (clinical/ is pure Python).

Strings shown to people are written in English and marked with :func:`gettext_noop`, which returns its
argument: ``xgettext`` (run by Django's ``makemessages`` from ``src/remission/clinical``) extracts every call
into ``clinical/locale``. The faces translate them where they show them, passing their translation function
as ``words`` (the web passes Django's ``gettext``); the API and the command line keep the English, written
by :func:`as_written`. A message that carries values is a template with named placeholders
(``"missing: {fields}"``), translated first and formatted after, so a value is never translated; a
sentence kept with its values until it is shown (a dose note, an HCT-CI item's evidence) is
:class:`Said`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Words = Callable[[str], str]


def gettext_noop(message: str) -> str:
    """Marks ``message`` for translators; returns it unchanged (the English, as written)."""
    return message


def as_written(message: str) -> str:
    """The ``words`` of the English faces: a message as it was written."""
    return message


SEPARATOR = gettext_noop("; ")  # between the parts of a list of sentences (French: " ; ")

Numbers = Callable[[str], str]  # a number as Python writes it ("3371.45") -> as the reader does ("3371,45")


@dataclass(frozen=True)
class Said:
    """A sentence for people: its English ``template`` (``{name}`` placeholders, marked with
    :func:`~remission.clinical.words.gettext_noop`) and its ``values``, put into a language only when shown.

    :meth:`text_in` translates the template with ``words`` first and formats it after
    (:mod:`remission.clinical.words`): a value that is Said is shown in the same language, a tuple of
    Said is joined with :data:`SEPARATOR` ("; "), a number is formatted by the template's format spec
    and then written by ``numbers`` (the web passes its language's decimal mark), anything else is
    shown as it is.
    ``str(said)`` is the English, as the API and the command line write it.
    """

    template: str
    values: tuple[tuple[str, Any], ...] = ()

    def text_in(self, words: Words = as_written, numbers: Numbers = as_written) -> str:
        text = words(self.template)
        if not self.values:
            return text
        return text.format(**{name: _shown(value, words, numbers) for name, value in self.values})

    def __str__(self) -> str:
        return self.text_in()


def said(template: str, **values: Any) -> Said:
    """:class:`Said` of ``template`` (marked with ``gettext_noop`` where it is written) and ``values``."""
    return Said(template, tuple(values.items()))


@dataclass(frozen=True)
class _Number:
    value: float
    numbers: Numbers

    def __format__(self, spec: str) -> str:
        return self.numbers(format(self.value, spec))


def _shown(value: Any, words: Words, numbers: Numbers) -> Any:
    if isinstance(value, Said):
        return value.text_in(words, numbers)
    if isinstance(value, tuple):
        return words(SEPARATOR).join(str(_shown(v, words, numbers)) for v in value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _Number(value, numbers)
    return value
