"""A user's own preferences (docs/languages.md): the language of the web pages.

Each change is a write with an audit row on the preference (entity ``registry.userpreference``, no centre,
no patient), ``before`` and ``after`` holding the language ("" follows the browser). Only the user
themselves sets their preferences: the actor is the user.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from remission.registry.codes import AuditAction
from remission.registry.errors import Problem, ValidationFailed
from remission.registry.models.preferences import FOLLOW_BROWSER, UserPreference
from remission.registry.services.audit import audit_write

LANGUAGE_UNKNOWN = _("choose one of the languages offered, or your browser's")


def known_languages() -> frozenset[str]:
    return frozenset(code for code, _name in settings.LANGUAGES)


def language_set(*, actor: Any, language: str) -> UserPreference:
    """Store ``language`` (a code of ``settings.LANGUAGES``, or "" to follow the browser) as ``actor``'s
    language, audited; setting the language already stored writes nothing."""
    language = (language or "").strip()
    if language != FOLLOW_BROWSER and language not in known_languages():
        raise ValidationFailed([Problem("Preferences", "language", "language_known", str(LANGUAGE_UNKNOWN))])
    with transaction.atomic():
        preference, created = UserPreference.objects.select_for_update().get_or_create(user=actor)
        before = None if created else {"language": preference.language}
        if not created and preference.language == language:
            return preference
        preference.language = language
        preference.save(update_fields=["language", "updated_at"])
        audit_write(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            record=preference,
            centre_id=None,
            patient_id=None,
            before=before,
            after={"language": language},
        )
    return preference
