"""Template filters of the web application."""

from __future__ import annotations

from typing import Any

from django import template

from remission.registry.labels import number_text, record_label

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``{{ mapping|get_item:key }}``: a dictionary look-up in a template."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def label_of(code: str) -> str:
    """``some_code`` as words."""
    return str(code).replace("_", " ")


@register.filter
def iso(value: Any) -> str:
    """``{{ day|iso }}``: a date as ``2024-05-31`` (empty for none); cheaper than ``|date:"Y-m-d"``, which
    goes through the localisation machinery for every cell of a long table."""
    return value.isoformat() if value else ""


@register.filter
def number(value: Any) -> str:
    """``{{ value|number }}``: a stored number as people write it (``10,000,000``, never ``1e+07``)."""
    return number_text(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


@register.filter
def label(record: Any, field: str) -> str:
    """``{{ record|label:"disease" }}``: the label of the code ``record`` holds in ``field``."""
    return record_label(record, field)
