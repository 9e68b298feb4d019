"""Template filters of the web application."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from remission.registry.labels import number_text, record_label

register = template.Library()
YEARS = re.compile(r"(\d+) years?")  # the yearly points' labels (registry/quality/schedule.py)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``{{ mapping|get_item:key }}``: a dictionary look-up in a template."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def time_point_label(point: Any) -> str:
    """A follow-up time point's label in the page's language (stored in English, as the settings name
    it): "Day 100" is "J100" in French, the yearly "3 years" "3 ans"; a label no catalogue knows, as it is."""
    label = str(getattr(point, "label", ""))
    years = YEARS.fullmatch(label)
    if years is not None:
        n = int(years.group(1))
        return ngettext("%(n)s year", "%(n)s years", n) % {"n": n}
    return gettext(label) if label else ""


@register.filter
def label_of(code: str) -> str:
    """``some_code`` as words."""
    return str(code).replace("_", " ")


@register.filter
def short_date(value: Any) -> str:
    """``{{ day|short_date }}``: a date in the active language's short format (``2024-05-31`` in English,
    ``31/05/2024`` in French; empty for none), as ``|date:"SHORT_DATE_FORMAT"`` without its error handling."""
    return date_format(value, "SHORT_DATE_FORMAT") if value else ""


@register.filter
def number(value: Any) -> str:
    """``{{ value|number }}``: a stored number as people write it (``10,000,000``, never ``1e+07``)."""
    return number_text(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


@register.filter
def label(record: Any, field: str) -> str:
    """``{{ record|label:"disease" }}``: the label of the code ``record`` holds in ``field``."""
    return record_label(record, field)
