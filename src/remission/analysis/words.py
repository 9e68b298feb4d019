"""Words for people in the analysis's results, put into the reader's language when they are shown.

The results are computed once and kept for every reader, whatever their language
(:mod:`remission.analysis.results`). So a sentence in them (a note that a model was not computed, the
reason a patient was left out, the name of a transition) is kept as :class:`Words`: its English template,
marked for translators, and its values. ``str(words)`` (also ``f"{words}"`` and a template's
``{{ words }}``) translates the template into the active language (Django's ``gettext``, catalogue
``analysis/locale``) and then fills in the values, each shown in that language too: a value that is Words
is translated, a decimal number takes the language's decimal mark, a date the language's short date,
anything else is ``str(value)``.

A template is marked where it is written, with ``gettext_noop`` (which returns it unchanged), so that
``makemessages`` run from ``src/remission/analysis`` extracts it::

    words(gettext_noop("%(what)s: not computed — %(events)s events"), what=label, events=12)

A value is never translated as part of the template; a whole sentence has named placeholders rather than
being joined from translated pieces. Outside a request, or with translation off, the English is shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.utils import translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext


@dataclass(frozen=True)
class Words:
    """A sentence for people: ``template`` (English, ``%(name)s`` placeholders) and its ``values``."""

    template: str
    values: tuple[tuple[str, object], ...] = ()
    capital: bool = False  # shown with a capital first letter (at the start of a sentence)

    def __str__(self) -> str:
        text = gettext(self.template)
        if self.values:
            text = text % {name: _shown(value) for name, value in self.values}
        return text[:1].upper() + text[1:] if self.capital else text

    def capitalised(self) -> Words:
        """The same words, beginning with a capital letter."""
        return replace(self, capital=True)


def words(template: str, **values: object) -> Words:
    """:class:`Words` of ``template`` (marked with ``gettext_noop`` by the caller) filled with ``values``."""
    return Words(template, tuple(values.items()))


def in_english(item: object) -> str:
    """``item`` (Words or text) as written, in English whatever the active language: for the API, whose
    text does not change with the reader's browser."""
    with translation.override(None):
        return str(item)


def _shown(value: object) -> str:
    if isinstance(value, float):
        return number_format(value)
    if isinstance(value, dt.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)
