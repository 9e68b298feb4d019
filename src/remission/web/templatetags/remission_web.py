"""Template filters of the web application."""

from __future__ import annotations

from typing import Any

from django import template

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
