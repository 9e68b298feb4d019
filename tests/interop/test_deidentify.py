"""De-identified extracts: no identifier of the source, exact intervals, keyed pseudonyms, k-anonymity."""

from __future__ import annotations

import hashlib
import hmac
import io
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from remission.interop.deidentify import date_shift, patient_pseudonym
from remission.interop.export import export_write
from remission.interop.extract import registry_extract
from remission.interop.writers import K_ANONYMITY_FILE
from remission.registry.access import SYSTEM
from remission.registry.models import (
    AdverseEvent,
    FollowUp,
    HospitalIdentifier,
    Infusion,
    LabResult,
    OutcomeEvent,
    Patient,
    PriorTherapy,
)

KEY = b"test key one"
OTHER_KEY = b"test key two"


def frames(extract: Any) -> dict[str, pd.DataFrame]:
    return {t.name: t.frame() for t in extract.tables()}


def _forbidden() -> set[str]:
    """Every identifier of the source a de-identified extract must not hold."""
    words = set(HospitalIdentifier.objects.values_list("value", flat=True))
    words |= set(Patient.objects.values_list("registry_id", flat=True))
    words |= {t for t in PriorTherapy.objects.values_list("agent", flat=True) if t}
    words |= {t for t in AdverseEvent.objects.values_list("term", flat=True) if t}
    words |= {t for t in AdverseEvent.objects.values_list("organism", flat=True) if t}
    words |= {t for t in FollowUp.objects.values_list("current_therapy", flat=True) if t}
    words |= {t for t in OutcomeEvent.objects.values_list("detail", flat=True) if t}
    words |= {t for t in Patient.objects.values_list("consent_version", flat=True) if t}
    for year, month in Patient.objects.values_list("birth_year", "birth_month"):
        words |= {f"{year}-{month:02d}", f"{month:02d}/{year}", f"{year}{month:02d}"}
    return words


def test_no_cell_holds_an_identifier_of_the_source(world: Any) -> None:
    tables = frames(registry_extract(actor=SYSTEM, deidentify=True, key=KEY))
    forbidden = _forbidden()
    assert forbidden  # the world has hospital numbers, registry IDs and free text
    for name, frame in tables.items():
        for column in frame.columns:
            for cell in frame[column].astype(str):
                hits = [w for w in forbidden if w in cell]
                assert not hits, f"{name}.{column}: {cell!r} holds {hits}"
    assert "birth_month" not in tables["patient"].columns
    assert "registry_id" not in tables["patient"].columns


def test_intervals_and_day_numbers_equal_the_source(world: Any) -> None:
    source = frames(registry_extract(actor=SYSTEM))
    shifted = frames(registry_extract(actor=SYSTEM, deidentify=True, key=KEY))
    for p in Patient.objects.all():
        pseudonym = patient_pseudonym(KEY, p.registry_id)
        a = source["lab_result"][source["lab_result"]["registry_id"] == p.registry_id].sort_values("date_day")
        b = shifted["lab_result"][shifted["lab_result"]["pseudonym"] == pseudonym].sort_values("date_day")
        assert list(a["date_day"]) == list(b["date_day"])
        assert list(a["date"].diff().dropna()) == list(b["date"].diff().dropna())
        offset = {(d2 - d1).days for d1, d2 in zip(a["date"], b["date"], strict=True)}
        assert len(offset) == 1 and offset != {0}
        infusion = Infusion.objects.get(patient=p, sequence=1)
        row = shifted["infusion"][shifted["infusion"]["pseudonym"] == pseudonym]
        assert (row["date"].iloc[0].date() - infusion.date).days == offset.pop()
        assert row["date_day"].iloc[0] == 0


def test_pseudonym_is_a_keyed_hmac_stable_across_exports(world: Any) -> None:
    first = registry_extract(actor=SYSTEM, deidentify=True, key=KEY)
    second = registry_extract(actor=SYSTEM, deidentify=True, key=KEY)
    other = registry_extract(actor=SYSTEM, deidentify=True, key=OTHER_KEY)
    assert list(first.patients.key) == list(second.patients.key)
    assert set(first.patients.key).isdisjoint(other.patients.key)
    rid = world.patient_a.registry_id
    expected = "P" + hmac.new(KEY, f"patient:{rid}".encode(), hashlib.sha256).hexdigest()[:16]
    assert patient_pseudonym(KEY, rid) == expected
    assert list(first.patients.shift) == list(second.patients.shift)
    assert all(1 <= abs(date_shift(KEY, f"R{i}")) <= 180 for i in range(500))


def test_k_anonymity_summary_matches_our_own_count(world: Any, tmp_path: Path, settings: Any) -> None:
    settings.REMISSION_PSEUDONYM_KEY = KEY.decode()
    result = export_write(actor=SYSTEM, file_format="csv", out=tmp_path / "x.zip", deidentify=True)
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for p in Patient.objects.select_related("centre"):
        day0 = Infusion.objects.get(patient=p, sequence=1).date
        age = day0.year - p.birth_year - (1 if day0.month < p.birth_month else 0)
        band = next(
            b
            for lo, hi, b in ((18, 29, "18-29"), (30, 39, "30-39"), (40, 49, "40-49"), (50, 59, "50-59"))
            if lo <= age <= hi
        )
        disease = p.diagnoses.get(is_primary=True).disease
        counts[(band, p.sex, p.centre.code, disease)] += 1
    summary = result.k_anonymity
    assert summary is not None
    assert {g.values: g.count for g in summary.groups} == dict(counts)
    assert summary.k == min(counts.values())
    beside = result.k_anonymity_path
    assert beside is not None and beside.read_text(encoding="utf-8") == summary.to_csv()
    with zipfile.ZipFile(result.path) as archive:
        inside = pd.read_csv(io.BytesIO(archive.read(K_ANONYMITY_FILE)), comment="#", keep_default_na=False)
    assert int(inside["patients"].sum()) == Patient.objects.count()


def test_deidentified_lab_counts_equal_the_source(world: Any) -> None:
    tables = frames(registry_extract(actor=SYSTEM, deidentify=True, key=KEY))
    assert len(tables["lab_result"]) == LabResult.objects.count()
    assert tables["lab_result"]["record_id"].is_unique
    infusion_ids = set(tables["infusion"]["record_id"])
    assert set(tables["engraftment"]["infusion_id"]) <= infusion_ids
