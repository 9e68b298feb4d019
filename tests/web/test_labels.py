"""Pages a clinician reads: codes shown by their labels, numbers written for people, dates that do not
wrap, and a diagnosis form that does not provoke the one-primary-diagnosis rule."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from django.urls import reverse

from remission.registry import services
from remission.registry.models import Diagnosis, FollowUp, LabResult

CSS = Path(__file__).resolve().parents[2] / "src" / "remission" / "web" / "static" / "web" / "app.css"


def _text(html: str) -> str:
    """The page's words without its markup (codes may sit in attributes; what people read may not)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _patient_page(world: Any, signed_in: Any) -> str:
    url = reverse("patient_detail", args=[world.patient_a.registry_id])
    return signed_in("clin_a").get(url).content.decode()


def test_patient_page_shows_labels_not_codes(world: Any, signed_in: Any) -> None:
    text = _text(_patient_page(world, signed_in))
    # the example course: SSc (diffuse), Cy 2 g/m² + G-CSF mobilisation, Cy 200 + rATG conditioning,
    # mRSS assessments, CD4 counts in cells/µL
    assert "Systemic sclerosis (Diffuse cutaneous SSc)" in text
    assert "Cy 2 g/m² + G-CSF" in text
    assert "Cy 200 mg/kg + rabbit ATG (" in text
    assert "Modified Rodnan skin score:" in text
    assert "CD4+ T cells" in text and "cells/µL" in text
    for raw in ("ssc diffuse", "mob_cy2_gcsf", "cy200_ratg", "mrss", "cells/uL", "cd4 "):
        assert raw not in text, raw


def test_numbers_are_written_for_people(world: Any, signed_in: Any) -> None:
    services.lab_result_record(
        actor=world.users["dm_a"],
        patient=world.patient_a,
        date=world.infusion_a.date + dt.timedelta(days=90),
        analyte="trec",
        value=1e7,
        unit="copies/mL",
    )
    text = _text(_patient_page(world, signed_in))
    assert "TRECs 10,000,000 copies/mL" in text
    assert "1e+07" not in text and "1e7" not in text


def test_diagnosis_row_shows_the_diagnosis_date(world: Any, signed_in: Any) -> None:
    diagnosis = Diagnosis.objects.get(patient=world.patient_a)
    assert diagnosis.first_symptom_date != diagnosis.diagnosis_date
    html = _patient_page(world, signed_in)
    row = re.search(rf'<tr id="diagnosis-{diagnosis.pk}">.*?</tr>', html, re.S)
    assert row is not None
    assert diagnosis.diagnosis_date.isoformat() in row.group(0)
    assert diagnosis.first_symptom_date.isoformat() not in row.group(0)
    assert f"diagnosed {diagnosis.diagnosis_date.isoformat()}" in _text(html)  # the patient's summary


def test_ids_and_dates_do_not_wrap_in_the_patient_list(world: Any, signed_in: Any) -> None:
    html = signed_in("dm_a").get(reverse("patient_list")).content.decode()
    rid = world.patient_a.registry_id
    assert re.search(rf'<td class="nowrap"><a href="[^"]+">{rid}</a></td>', html)
    assert f'<td class="nowrap">{world.infusion_a.date.isoformat()}</td>' in html
    assert 'class="field field-centre' in html  # the centre filter gets its own width
    css = CSS.read_text()
    assert re.search(r"\.nowrap\b[^{]*\{[^}]*white-space:\s*nowrap", css)
    assert re.search(r"\.filters \.field-centre\b[^{]*\{[^}]*grid-column:\s*span 2", css)


def test_record_history_shows_field_names_and_labels(world: Any, signed_in: Any) -> None:
    follow_up = FollowUp.objects.filter(patient=world.patient_a).order_by("pk").first()
    assert follow_up.disease_status == "partial_response"
    services.record_update(
        follow_up,
        actor=world.users["dm_a"],
        version=follow_up.version,
        changes={"disease_status": "complete_response"},
        reason="reviewed",
    )
    url = reverse("record_history", args=["follow-up", follow_up.pk])
    text = _text(signed_in("clin_a").get(url).content.decode())
    assert "Disease status Partial response → Complete response / remission" in text
    assert "complete_response" not in text and "disease_status" not in text


def test_lab_units_are_offered_by_their_labels(world: Any, signed_in: Any) -> None:
    url = reverse("record_new", args=[world.patient_a.registry_id, "lab-result"])
    html = signed_in("dm_a").get(url).content.decode()
    assert '<option value="cells/uL">cells/µL</option>' in html
    assert '<option value="10^9/L">× 10⁹/L</option>' in html


def _primary_box(html: str) -> str:
    match = re.search(r'<input[^>]*name="is_primary"[^>]*>', html)
    assert match is not None
    return match.group(0)


def test_a_further_diagnosis_is_not_primary_by_default(world: Any, signed_in: Any) -> None:
    client = signed_in("dm_a")
    url = reverse("record_new", args=[world.patient_a.registry_id, "diagnosis"])
    assert "checked" not in _primary_box(client.get(url).content.decode())  # patient A has a primary
    newcomer = services.patient_register(
        actor=world.users["dm_a"],
        centre=world.centre_a,
        sex="female",
        birth_year=1980,
        birth_month=5,
        consent_status="not_asked",
    )
    first = reverse("record_new", args=[newcomer.registry_id, "diagnosis"])
    assert "checked" in _primary_box(client.get(first).content.decode())  # a first diagnosis is
    # a second diagnosis saved with the form's defaults
    data = {"disease": "ra", "diagnosis_date": "2019-05-01"}
    response = client.post(url, data)
    assert response.status_code == 302
    added = Diagnosis.objects.get(patient=world.patient_a, disease="ra")
    assert added.is_primary is False
    assert Diagnosis.objects.filter(patient=world.patient_a, is_primary=True).count() == 1


def test_a_second_primary_diagnosis_is_refused_at_the_field(world: Any, signed_in: Any) -> None:
    url = reverse("record_new", args=[world.patient_a.registry_id, "diagnosis"])
    data = {"disease": "ra", "diagnosis_date": "2019-05-01", "is_primary": "on"}
    response = signed_in("dm_a").post(url, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_is_primary_error"' in html  # the service's message sits at the field
    assert "Constraint" not in html and "violated" not in html
    assert not Diagnosis.objects.filter(patient=world.patient_a, disease="ra").exists()


def test_the_delete_page_says_what_is_deleted(world: Any, signed_in: Any) -> None:
    lab = LabResult.objects.filter(patient=world.patient_a).order_by("pk").first()
    assert (lab.analyte, lab.unit) == ("cd4", "cells/uL")
    url = reverse("record_delete", args=["lab-result", lab.pk])
    text = _text(signed_in("dm_a").get(url).content.decode())
    assert f"CD4+ T cells {lab.value:,.0f} cells/µL" in text


def test_charts_write_large_numbers_for_people() -> None:
    from remission.web.charts import Point, line_chart

    svg = str(line_chart("TRECs", [Point(0, 2_500_000.0), Point(100, 10_000_000.0)], unit="copies/mL"))
    assert "day 100: 10,000,000 copies/mL" in svg  # the description read by screen readers
    assert "× 10⁶</text>" in svg  # axis ticks: 2.5 × 10⁶, 5 × 10⁶, …
    assert "e+0" not in svg
