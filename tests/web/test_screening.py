"""The screening page: disease-specific fields, the guideline as a choice, every problem shown, values
given once, disagreements and the ruled-out organs as sentences. It works without JavaScript."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from remission.clinical import screening as clinical_screening
from remission.clinical.eligibility import GUIDELINE_TITLES
from remission.web import screening
from remission.web.views import screening as view

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
URL = "/screening/"


def example(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "docs" / "examples" / name).read_text(encoding="utf-8"))


def html_of(response: Any) -> str:
    assert response.status_code == 200
    return response.content.decode()


def select_options(html: str, name: str) -> list[str]:
    match = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no select named {name}"
    return re.findall(r'<option value="([^"]*)"', match.group(1))


def fieldset_tags(html: str) -> dict[str, bool]:
    """data-diseases of each disease fieldset -> whether it is shown (no ``hidden`` attribute)."""
    return {
        m.group(1): not m.group(2) for m in re.finditer(r'<fieldset data-diseases="([^"]+)"( hidden)?>', html)
    }


def test_guideline_is_a_select_of_codes_not_free_text(signed_in: Any) -> None:
    html = html_of(signed_in("dm_a").get(URL))
    assert select_options(html, "guideline") == ["", *GUIDELINE_TITLES]
    assert 'name="guideline" type="text"' not in html and '<input type="text" name="guideline"' not in html


def test_the_chosen_disease_shows_its_fields_and_hides_the_others(signed_in: Any) -> None:
    html = html_of(signed_in("dm_a").get(URL + "?disease=ms"))
    shown = fieldset_tags(html)
    assert shown == {"ssc": False, "ssc ms": True, "ms": True, "crohn": False}
    assert 'name="findings__edss"' in html  # EDSS for MS
    assert select_options(html, "guideline") == ["", "sharrack2020"]
    # SSc: mRSS shown, MS fields hidden
    ssc = fieldset_tags(html_of(signed_in("dm_a").get(URL + "?disease=ssc")))
    assert ssc == {"ssc": True, "ssc ms": True, "ms": False, "crohn": False}
    # no disease chosen yet: every group is there (collapsed), none hidden
    assert set(fieldset_tags(html_of(signed_in("dm_a").get(URL))).values()) == {True}


def test_without_javascript_the_choose_button_keeps_the_values_and_does_not_screen(signed_in: Any) -> None:
    body = {"candidate_id": "C-7", "disease": "crohn", "findings__cdai": "320", view.CHOOSE: "1"}
    html = html_of(signed_in("dm_a").post(URL, body))
    assert 'data-testid="report"' not in html and "errorlist" not in html
    assert fieldset_tags(html)["crohn"] is True and fieldset_tags(html)["ms"] is False
    assert 'value="C-7"' in html and 'value="320"' in html
    assert select_options(html, "guideline") == ["", "astic"]


def test_each_measurement_has_one_field() -> None:
    fields = screening.candidate_form_class()().fields
    for key in clinical_screening.SHARED_WITH_HCT_CI:
        assert f"findings__{key}" in fields
        assert f"hct_ci__{key}" not in fields


def test_a_measurement_entered_once_feeds_eligibility_and_hct_ci(signed_in: Any) -> None:
    body = {"candidate_id": "C-1", "disease": "ms", "age_years": "30", "findings__dlco_pct": "60"}
    html = html_of(signed_in("dm_a").post(URL, body))
    assert 'data-testid="report"' in html
    # DLCO 60 % ≥ 40 → the DLCO exclusion is met; 60 ≤ 65 → HCT-CI pulmonary severe (3 points)
    assert re.search(r"DLCO &lt; 40 %.*?<span class=\"pill met\">met</span>", html, re.S)
    assert '<td>Pulmonary, severe</td><td class="num">3</td>' in html


def test_every_problem_of_a_pasted_candidate_is_shown(signed_in: Any) -> None:
    data = example("candidate-ssc.json")
    del data["candidate_id"]
    data["findings"] |= {"lvef_pct": 150, "lvef": 50}
    data["hct_ci"] |= {"diabetes": "yes"}
    html = html_of(signed_in("dm_a").post(URL, {"candidate_json": json.dumps(data)}))
    assert view.NOT_SCREENED.format(count=4) in html
    for field, rule in (
        ("candidate_id", "required"),
        ("findings.lvef", "additionalProperties"),
        ("findings.lvef_pct", "maximum"),
        ("hct_ci.diabetes", "type"),
    ):
        assert re.search(rf"<li>{re.escape(field)}: [^<]*\[{rule}\]</li>", html), field


def test_rules_the_schema_cannot_express_are_all_shown(signed_in: Any) -> None:
    # a guideline of another disease and overrides without a regimen: both reported, not only the first
    pasted = {"candidate_id": "C-3", "disease": "ms", "guideline": "astic", "regimen_overrides": {"cy": {}}}
    html = html_of(signed_in("dm_a").post(URL, {"candidate_json": json.dumps(pasted)}))
    assert view.NOT_SCREENED.format(count=2) in html
    assert "[guideline_of_disease]" in html and "[needs_regimen]" in html


def test_disagreements_and_the_ruled_out_organs_read_as_sentences(signed_in: Any) -> None:
    data = example("candidate-ssc.json")
    data["hct_ci"]["dlco_pct"] = 70  # findings say 58
    html = html_of(signed_in("dm_a").post(URL, {"candidate_json": json.dumps(data)}))
    expected = clinical_screening.GIVEN_TWICE.format(label="DLCO", in_findings=58, in_hct_ci=70, unit=" %")
    assert 'data-testid="disagreements"' in html and f"<li>{expected}</li>" in html
    assert "No arrhythmia, cardiac disease, inflammatory bowel disease" in html
    assert "obesity (BMI 22.8, not above 35)" in html
    assert "absent:" not in html
    # the criteria's values read with their labels, not as codes
    assert "SSc subset: diffuse; mRSS: 24; ≥ 1 visceral organ involved: yes; CRP: 12 mg/L" in html


def test_screen_as_candidate_prefills_and_shows_the_diseases_fields(signed_in: Any, world: Any) -> None:
    patient = world.patient_a  # the example course: SSc, diffuse, with a work-up and an mRSS
    workup = patient.workups.get()
    html = html_of(signed_in("dm_a").get(f"{URL}?patient={patient.registry_id}"))
    assert fieldset_tags(html)["ssc"] is True and fieldset_tags(html)["ms"] is False
    assert re.search(r'name="findings__dlco_pct" value="' + f"{workup.dlco_pct:g}", html)
    assert 'name="hct_ci__dlco_pct"' not in html
    # another centre's patient is not found
    assert signed_in("dm_b").get(f"{URL}?patient={patient.registry_id}").status_code == 404


def test_the_verdict_lists_its_sources_with_links(signed_in: Any) -> None:
    body = {"candidate_id": "C-1", "disease": "ssc", "age_years": "40", "findings__lvef_pct": "60"}
    html = html_of(signed_in("dm_a").post(URL, body))
    sources = html[html.index('data-testid="sources"') :]
    # the HCT-CI weights are cited as [@Sorror2005, Table 1]; its entry links to the DOI and PubMed
    assert "[@Sorror2005]</strong> Sorror ML" in sources
    assert 'href="https://doi.org/10.1182/blood-2005-05-2004"' in sources
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/15994282/"' in sources
