"""The registry's stored prediction models as model sets: read them, print their card, store one.

The registry keeps a fitted model set as JSON (``registry.models.PredictionModelSet``, written by
``registry.services.prediction_models.store_model_content``, read by
``registry.selectors.prediction_models``); this module turns it into the analysis layer's objects and back:

- :func:`current_model_set` — the latest stored model set (what predictions use), or None;
- :func:`model_set_get` — a stored version;
- :func:`model_card` — the card of :mod:`.card` (what ``remission model show`` prints and the model report
  shows) with who stored the model set and when;
- :func:`store_model_set` — check that the model set is what its version says, then store it (audited).

A model set holds no record of any patient; every signed-in user may read it.
"""

from __future__ import annotations

from typing import Any

from remission.analysis.prediction.card import card_of
from remission.analysis.prediction.model import ModelSet, model_version
from remission.registry.models import PredictionModelSet
from remission.registry.selectors import prediction_models as stored_rows
from remission.registry.services.prediction_models import store_model_content

VERSION_MISMATCH = "the model set's version {version} is not that of its content ({expected}); not stored"


# Parsed model sets by version. A version is the hash of its content and a stored row never changes, so a
# version read once is the same object for good: a prediction reads one version string, not the JSON.
_PARSED: dict[str, ModelSet] = {}
_PARSED_KEPT = 4


def _parsed(version: str, user: Any) -> ModelSet:
    model_set = _PARSED.get(version)
    if model_set is None:
        model_set = ModelSet.from_dict(stored_rows.model_content(version, user=user))
        if len(_PARSED) >= _PARSED_KEPT:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[version] = model_set
    return model_set


def current_model_set(user: Any = None) -> ModelSet | None:
    """The latest stored model set (the one predictions use), or None when none is stored."""
    version = stored_rows.current_version(user=user)
    return None if version is None else _parsed(version, user)


def model_set_get(version: str, *, user: Any = None) -> ModelSet:
    """The stored model set of ``version``; ``NotFound`` if there is none."""
    return _parsed(version, user)


def model_card(version: str | None = None, *, user: Any = None) -> dict[str, Any]:
    """The model card of the stored model set ``version`` (default: the current one); ``NotFound`` when
    there is none. The card is JSON-ready data (see :func:`card_of`)."""
    info = stored_rows.model_info(version, user=user)
    card = card_of(_parsed(info["version"], user), validation=info["validation"])
    card["stored"] = {"created_at": info["created_at"], "created_by": info["created_by"]}
    return card


def store_model_set(model_set: ModelSet, *, by: Any, validation: Any = None) -> PredictionModelSet:
    """Store ``model_set`` fitted by ``by``, with its ``validation`` (a ``Validation``, its ``to_dict()`` or
    None), after checking that its version is the hash of its content (see the registry service for who
    may store and what else is refused)."""
    expected = model_version(model_set.content())
    if model_set.version != expected:
        raise ValueError(VERSION_MISMATCH.format(version=model_set.version, expected=expected))
    return store_model_content(model_set.to_dict(), by=by, validation=validation)
