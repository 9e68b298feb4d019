"""Read the registry as NumPy columns for :func:`~remission.analysis.endpoints.columnar.derive_columns`.

The same records as :func:`remission.analysis.loader.load_courses` — both read the querysets of
:class:`~remission.analysis.derivation_reads.DerivationReads` (scoped to the reading user, dated records up
to the cut-off), in the same order — but as one dict of arrays per table through
:func:`remission.registry.columns.read_columns` (``COPY`` on PostgreSQL): no Python object per record.

Two things are decided here rather than in derivation, as the loader does: an infusion's ``intensity`` is
the effective one (:func:`~remission.analysis.loader.effective_intensity`, once per distinct pair), and
booleans are read as 0/1 integers (``during_relapse``: 1.0 / 0.0 / NaN). Assessment ``items`` (JSON) are
read only for the instruments whose items a response definition needs (``derivation_reads.ITEMS_NEEDED``),
as text on PostgreSQL (decoded here) and decoded already elsewhere.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
from django.db.models import Case, FloatField, IntegerField, Value, When

from remission.analysis.derivation_reads import DerivationReads
from remission.analysis.loader import effective_intensity
from remission.registry.codes import AdverseEventCategory
from remission.registry.columns import read_columns

Columns = dict[str, np.ndarray]


def _flag(field: str) -> Case:
    """A boolean field as 1 / 0 (NULL as 0, as ``bool(None)`` in the loader)."""
    return Case(When(**{field: True}, then=Value(1)), default=Value(0), output_field=IntegerField())


def _optional_flag(field: str) -> Case:
    """A nullable boolean as 1.0 / 0.0 / NULL (read as NaN)."""
    return Case(
        When(**{field: True}, then=Value(1.0)),
        When(**{field: False}, then=Value(0.0)),
        default=None,
        output_field=FloatField(),
    )


def _items(values: np.ndarray) -> np.ndarray:
    """JSON items as dicts (PostgreSQL's COPY gives the JSON text, SQLite's rows the decoded value)."""
    return np.array([json.loads(v) if isinstance(v, str) else v for v in values] or [], dtype=object)


def read_registry_columns(user: Any, cutoff: dt.date | None = None) -> dict[str, Columns]:
    """Every table endpoint derivation reads, as columns, for what ``user`` may read (see the module
    docstring). Keys: ``patients``, ``centres``, ``diagnoses``, ``infusions``, ``engraftments``,
    ``outcomes``, ``follow_ups``, ``scores``, ``workups``, ``contacts``, ``secondary``."""
    reads = DerivationReads(user, cutoff)
    tables: dict[str, Columns] = {}
    tables["patients"] = read_columns(
        reads.patients(),
        {
            "pk": "int",
            "registry_id": "text",
            "centre_id": "int",
            "sex": "text",
            "birth_year": "float",
            "birth_month": "float",
        },
    )
    tables["centres"] = read_columns(reads.centres(), {"pk": "int", "code": "text", "country": "text"})
    tables["diagnoses"] = read_columns(
        reads.diagnoses(), {"patient_id": "int", "disease": "text", "subtype": "text"}
    )
    infusions = read_columns(
        reads.infusions(),
        {
            "pk": "int",
            "patient_id": "int",
            "date": "date",
            "sequence": "int",
            "product__product_type": "text",
            "conditioning__regimen": "text",
            "conditioning__intensity": "text",
        },
    )
    regimens = infusions.pop("conditioning__regimen")
    stored = infusions.pop("conditioning__intensity")
    pairs = {pair: effective_intensity(*pair) for pair in set(zip(stored, regimens, strict=True))}
    infusions["product_type"] = infusions.pop("product__product_type")
    infusions["regimen"] = np.array([r or "" for r in regimens] or [], dtype=object)
    infusions["intensity"] = np.array(
        [pairs[pair] for pair in zip(stored, regimens, strict=True)] or [], dtype=object
    )
    tables["infusions"] = infusions
    tables["engraftments"] = read_columns(
        reads.engraftments().annotate(
            never_below=_flag("platelets_never_below_20"), failure=_flag("graft_failure")
        ),
        {
            "infusion_id": "int",
            "neutrophil_date": "date",
            "platelet_date": "date",
            "never_below": "int",
            "failure": "int",
        },
    )
    tables["outcomes"] = read_columns(
        reads.outcomes(),
        {"patient_id": "int", "event_type": "text", "date": "date", "cause_of_death": "text"},
    )
    tables["follow_ups"] = read_columns(
        reads.follow_ups(),
        {"patient_id": "int", "date": "date", "vital_status": "text", "disease_status": "text"},
    )

    # scores in the loader's order: instruments without items, instruments with items, work-up FVC
    score_fields = {
        "patient_id": "int",
        "date": "date",
        "instrument": "text",
        "score": "float",
        "relapse_flag": "float",
    }
    relapse_flag = _optional_flag("during_relapse")
    plain = read_columns(reads.plain_scores().annotate(relapse_flag=relapse_flag), score_fields)
    itemised = read_columns(
        reads.itemised_scores().annotate(relapse_flag=relapse_flag), {**score_fields, "items": "text"}
    )
    fvc = read_columns(reads.fvc(), {"patient_id": "int", "date": "date", "fvc_pct": "float"})
    n_plain, n_fvc = len(plain["patient_id"]), len(fvc["patient_id"])
    tables["scores"] = {
        "patient_id": np.concatenate([plain["patient_id"], itemised["patient_id"], fvc["patient_id"]]),
        "date": np.concatenate([plain["date"], itemised["date"], fvc["date"]]),
        "instrument": np.concatenate(
            [plain["instrument"], itemised["instrument"], np.full(n_fvc, "fvc_pct", dtype=object)]
        ),
        "score": np.concatenate([plain["score"], itemised["score"], fvc["fvc_pct"]]),
        "items": np.concatenate(
            [
                np.full(n_plain, None, dtype=object),
                _items(itemised["items"]),
                np.full(n_fvc, None, dtype=object),
            ]
        ),
        "during_relapse": np.concatenate(
            [plain["relapse_flag"], itemised["relapse_flag"], np.full(n_fvc, np.nan)]
        ),
    }
    tables["workups"] = read_columns(
        reads.workups(),
        {
            "patient_id": "int",
            "date": "date",
            "hct_ci_score": "float",
            "performance_scale": "text",
            "performance_score": "float",
        },
    )

    # other contacts: one latest date per patient and kind (columnar.CONTACT_KINDS, in its order)
    parts = [
        read_columns(rows, {"patient_id": "int", "last": "date"}) for rows in reads.latest_contacts().values()
    ]
    tables["contacts"] = {
        "patient_id": np.concatenate([p["patient_id"] for p in parts]),
        "date": np.concatenate([p["last"] for p in parts]),
        "kind": np.concatenate(
            [np.full(len(p["patient_id"]), k, dtype=np.int64) for k, p in enumerate(parts)]
        ),
    }
    tables["secondary"] = read_columns(
        reads.adverse_events().filter(category=AdverseEventCategory.SECONDARY_AUTOIMMUNITY),
        {"patient_id": "int", "onset_date": "date"},
    )
    return tables
