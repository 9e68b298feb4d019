"""What the list endpoints share in reading their query-string filters."""

from __future__ import annotations

from django.http import HttpRequest

from remission.registry import selectors
from remission.registry.errors import Problem, ValidationFailed

NO_CENTRE = "no centre {code!r} that you can read"


def readable_centre_id(request: HttpRequest, code: str | None) -> int | None:
    """The id of the centre ``code`` names, if the caller may read it (None for no filter); otherwise a
    422 naming the filter, as for a centre that does not exist (no telling the two apart)."""
    if code is None:
        return None
    found = {c.code: c.pk for c in selectors.centre_list(user=request.user)}
    if code not in found:
        raise ValidationFailed([Problem("query", "centre", "filter", NO_CENTRE.format(code=code))])
    return found[code]
