"""A screening verdict in the reader's language: words translated, codes (verdict, status, rule set, field
names, sources) as they are; in English the page's words are the clinical package's own."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from django.utils import translation

from remission.clinical.screening import screen_candidate
from remission.web.screening import report_for_people

ROOT = Path(__file__).resolve().parents[2]


def ms_candidate(**findings: Any) -> dict[str, Any]:
    candidate = json.loads((ROOT / "docs" / "examples" / "candidate-ms.json").read_text(encoding="utf-8"))
    candidate = copy.deepcopy(candidate)
    for name, value in findings.items():
        if value is None:
            candidate["findings"].pop(name, None)
        else:
            candidate["findings"][name] = value
    return candidate


def criterion(report: dict[str, Any], code: str) -> dict[str, Any]:
    return next(c for c in report["eligibility"]["criteria"] if c["code"] == code)


def test_not_eligible_in_french() -> None:
    result = screen_candidate(ms_candidate(pregnant=True))
    with translation.override("fr"):
        report = report_for_people(result)
    assert report["verdict"] == "not_eligible"  # the code, for styling and the API
    assert report["verdict_label"] == "non éligible"
    [reason] = report["eligibility"]["reasons"]
    assert reason.startswith("Exclusion : grossesse — ")
    pregnancy = criterion(report, "not_pregnant")
    assert pregnancy["status"] == "failed"
    assert pregnancy["status_label"] == "non rempli"
    assert pregnancy["kind_label"] == "exclusion"
    assert pregnancy["threshold"] == "exclusion si grossesse"
    assert report["eligibility"]["guideline_title"] == (
        "Recommandations EBMT ADWP/JACIE pour la SEP [@Sharrack2020]"
    )
    assert report["disease_name"] == "Sclérose en plaques"


def test_criteria_with_units_and_notes_in_french() -> None:
    with translation.override("fr"):
        report = report_for_people(screen_candidate(ms_candidate()))
    assert report["verdict_label"] == "éligible"
    assert report["eligibility"]["reasons"] == ["tous les critères sont remplis"]
    lvef = criterion(report, "lvef_band")
    assert lvef["threshold"] == "exclusion si FEVG < 50 %"
    assert lvef["note"] == "les sources donnent 45–50 %"
    assert lvef["kind_label"] == "exclusion (relatif)"
    assert lvef["strength"] == "relative"


def test_hct_ci_items_and_risk_group_in_french() -> None:
    result = screen_candidate(ms_candidate())
    with translation.override("fr"):
        report = report_for_people(result)
    hct_ci = report["hct_ci"]
    assert (hct_ci["score"], hct_ci["risk_group"], hct_ci["risk_group_label"]) == (3, "high", "élevé")
    assert [item["label"] for item in hct_ci["items"]] == [
        "Trouble psychiatrique",
        "Hépatique, légère",
        "Obésité",
    ]
    assert [item["code"] for item in hct_ci["items"]] == ["psychiatric", "hepatic_mild", "obesity"]


def test_missing_data_names_the_fields_in_french() -> None:
    result = screen_candidate(ms_candidate(edss=None))
    assert result.verdict == "insufficient_data"
    with translation.override("fr"):
        report = report_for_people(result)
    assert report["verdict_label"] == "données insuffisantes"
    assert report["eligibility"]["reasons"] == ["données manquantes : EDSS"]
    assert report["eligibility"]["missing_fields"] == ["edss"]  # the field's name stays


def test_english_is_the_clinical_packages_own_text() -> None:
    """The English page reads as the API and the command line write it; only a missing field is named
    as people name it (its label, not its code)."""
    for candidate in (ms_candidate(), ms_candidate(pregnant=True)):
        result = screen_candidate(candidate)
        plain = result.to_dict()
        with translation.override("en-gb"):
            report = report_for_people(result)
        assert report["eligibility"]["reasons"] == plain["eligibility"]["reasons"]
        for shown, written in zip(
            report["eligibility"]["criteria"], plain["eligibility"]["criteria"], strict=True
        ):
            assert (shown["threshold"], shown["text"], shown["note"]) == (
                written["threshold"],
                written["text"],
                written["note"],
            )
    with translation.override("en-gb"):
        assert (
            report_for_people(screen_candidate(ms_candidate(pregnant=True)))["verdict_label"]
            == "not eligible"
        )
        missing = report_for_people(screen_candidate(ms_candidate(edss=None, lvef_pct=None)))
    assert missing["eligibility"]["reasons"] == ["missing: LVEF, EDSS"]


def test_a_candidate_problem_in_french_keeps_its_field_and_rule() -> None:
    from remission.clinical.candidate import check_and_screen
    from remission.web.screening import problem_text

    candidate = ms_candidate()
    candidate["findngs"] = candidate.pop("findings")
    report, problems = check_and_screen(candidate)
    assert report is None
    [problem] = [p for p in problems if p.field == "findngs"]
    with translation.override("fr"):
        assert problem_text(problem) == (
            "findngs: 'findngs' n'est pas un champ du candidat (vouliez-vous dire 'findings' ?) "
            "[additionalProperties]"
        )
    with translation.override("en-gb"):
        assert problem_text(problem) == (
            "findngs: 'findngs' is not a field of the candidate (did you mean 'findings'?) "
            "[additionalProperties]"
        )


def ssc_candidate() -> dict[str, Any]:
    return json.loads((ROOT / "docs" / "examples" / "candidate-ssc.json").read_text(encoding="utf-8"))


def test_hct_ci_evidence_and_organs_ruled_out_in_french() -> None:
    result = screen_candidate(ssc_candidate())
    with translation.override("fr"):
        hct_ci = report_for_people(result)["hct_ci"]
    [item] = hct_ci["items"]
    assert item["evidence"] == [
        "DLCO 58 % de la théorique",
        "Pulmonaire, modérée : également retrouvée (VEMS 78 % de la théorique) ; l'organe ne compte "
        "qu'une fois, à son niveau le plus sévère",
    ]
    assert hct_ci["absent_text"].startswith("Absents : trouble du rythme, cardiopathie, ")
    assert "obésité (IMC 22,8, pas au-dessus de 35)" in hct_ci["absent_text"]  # the French decimal comma
    assert hct_ci["absent_text"].endswith(", tumeur solide antérieure et valvulopathie.")
    assert hct_ci["absent"][:2] == ["arrhythmia", "cardiac"]  # the codes stay


def test_regimen_intensity_and_dose_tables_in_french() -> None:
    result = screen_candidate(ssc_candidate())
    with translation.override("fr"):
        report = report_for_people(result)
    assert report["regimen"]["name"] == "Cy 200 mg/kg + SAL de lapin"
    assert report["regimen"]["code"] == "cy200_ratg"
    intensity = report["intensity"]
    assert intensity["class"] == "intermediate"  # the code, as the API gives it
    assert intensity["class_label"] == "intensité intermédiaire"
    assert intensity["reason"] == "cyclophosphamide + sérothérapie (SAL)"
    mobilisation, conditioning = report["dose_tables"]
    assert mobilisation["title"] == "Tableau des doses — Mobilisation : Cy 2 g/m² + G-CSF [mob_cy2_gcsf]"
    assert conditioning["title"] == "Tableau des doses — Cy 200 mg/kg + SAL de lapin [cy200_ratg]"
    assert mobilisation["policy"] == "Centre A: actual weight, BSA capped at 2.0 m2"  # the centre's, as given
    assert mobilisation["policy_rule"] == (
        "poids de référence : poids réel ; SC Mosteller (poids réel), plafonnée à 2 m² ; arrondi à 5 mg près"
    )
    cy, gcsf = mobilisation["lines"]
    assert (cy["basis"], cy["basis_label"], gcsf["basis"], gcsf["basis_label"]) == (
        "bsa",
        "SC",
        "actual",
        "poids réel",
    )
    assert cy["prescribed"] == "2 g/m²/jour"  # the unit as people write it; the API keeps "g/m2"
    assert (cy["body_size_unit"], cy["dose_unit"]) == ("m²", "mg")
    assert cy["notes"] == [
        "SC Mosteller sur le poids réel de 62,0 kg",
        "arrondi à 5 mg (avant arrondi : 3371,45)",
    ]
    assert conditioning["lines"][1]["prescribed"] == "1,5 mg/kg/jour"


def test_dosing_notes_under_other_policies_in_french() -> None:
    candidate = ssc_candidate()
    candidate.update(height_cm=150, weight_kg=90)
    candidate["dosing_policy"] = {
        "name": "B",
        "weight_basis": "adjusted",
        "bsa_weight_basis": "ideal",
        "adjusted_factor": 0.25,
        "bsa_cap_m2": 1.5,
        "agent_weight_basis": {"ratg": "lesser_ideal_actual"},
    }
    result = screen_candidate(candidate)
    with translation.override("fr"):
        mobilisation, conditioning = report_for_people(result)["dose_tables"]
    assert mobilisation["policy_rule"] == (
        "poids de référence : poids ajusté (idéal + 0,25 × (réel − idéal)) ; ratg : le plus faible du poids "
        "idéal (Devine) et du poids réel ; SC Mosteller (poids idéal (Devine)), plafonnée à 1,5 m²"
    )
    notes = [note for line in [*mobilisation["lines"], *conditioning["lines"]] for note in line["notes"]]
    assert "taille inférieure à 5 pieds (152,4 cm) : poids idéal de Devine extrapolé sous sa base" in notes
    assert "poids idéal < poids réel : poids idéal utilisé" in notes
    assert conditioning["lines"][0]["basis_label"] == "poids ajusté"


def test_the_api_and_the_command_line_keep_the_english() -> None:
    """report_for_people changes nothing in the report's own English (to_dict, to_text)."""
    result = screen_candidate(ssc_candidate())
    before = (result.to_dict(), result.to_text())
    with translation.override("fr"):
        report_for_people(result)
        assert (result.to_dict(), result.to_text()) == before
    plain = before[0]
    assert plain["dose_tables"][0]["title"] == "Dose table — Mobilisation: Cy 2 g/m² + G-CSF [mob_cy2_gcsf]"
    assert plain["dose_tables"][0]["policy_rule"] == (
        "weight basis actual weight; BSA Mosteller on actual weight, capped at 2 m²; rounding mg to 5"
    )
    assert plain["dose_tables"][0]["lines"][0]["notes"] == [
        "BSA mosteller on actual weight 62.0 kg",
        "rounded to 5 mg (unrounded 3371.45)",
    ]
    assert plain["intensity"] == {
        "class": "intermediate",
        "reason": "cyclophosphamide + serotherapy (ATG)",
        "rule": "ebmt_adwp_intensity v2017.1",
    }
    assert plain["hct_ci"]["items"][0]["evidence"][0] == "DLCO 58 % predicted"
    assert "obesity (BMI 22.8, not above 35)" in plain["hct_ci"]["absent_text"]
    with translation.override("en-gb"):
        shown = report_for_people(result)
    for table, written in zip(shown["dose_tables"], plain["dose_tables"], strict=True):
        assert (table["title"], table["policy_rule"]) == (written["title"], written["policy_rule"])
        assert [line["notes"] for line in table["lines"]] == [line["notes"] for line in written["lines"]]
    assert shown["hct_ci"]["absent_text"] == plain["hct_ci"]["absent_text"]
    assert shown["intensity"]["class_label"] == "intermediate intensity"


def test_the_form_groups_are_named_in_french() -> None:
    from remission.web.screening import candidate_form_class, fieldsets

    with translation.override("fr"):
        form = candidate_form_class("ssc")()
        titles = [fs.title for fs in fieldsets(form, "ssc")]
        regimens = dict(form.fields["regimen"].choices)
    assert titles[:2] == ["Candidat", "Éligibilité : critères généraux et mesures partagées"]
    assert "Éligibilité : Sclérodermie systémique et Sclérose en plaques" in titles
    assert titles[-2:] == [
        "Comorbidités de l'HCT-CI (FEVG, DLCO, VEMS et bilan hépatique : ci-dessus)",
        "Règle de posologie",
    ]
    assert regimens["cy200_ratg"] == "Cy 200 mg/kg + SAL de lapin [cy200_ratg]"


def test_the_page_shows_the_french_report() -> None:
    """The screening template laid out with report_for_people's words: no English left in these parts."""
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from remission.web import screening

    candidate = ssc_candidate()
    candidate["dosing_policy"]["name"] = "Centre A"  # the centre's name for its policy is shown as given
    result = screen_candidate(candidate)
    with translation.override("fr"):
        request = RequestFactory().get("/screening/")
        request.user = AnonymousUser()
        form = screening.candidate_form_class("ssc")()
        context = {
            "form": form,
            "fieldsets": screening.fieldsets(form, "ssc"),
            "report": report_for_people(result),
            "script_data": screening.disease_script_data(),
            "choose": "choose_disease",
        }
        html = render_to_string("web/screening.html", context, request=request)
    html = html[: html.index('<div class="card no-print">')]  # the report, without the form
    for french in (
        "Tableau des doses — Cy 200 mg/kg + SAL de lapin [cy200_ratg]",
        "intensité intermédiaire (cyclophosphamide + sérothérapie (SAL) ; ebmt_adwp_intensity v2017.1)",
        "SC Mosteller sur le poids réel de 62,0 kg ; arrondi à 5 mg (avant arrondi : 3371,45)",
        "Absents : trouble du rythme",
        "éligible",
        "Sclérodermie systémique",
    ):
        assert french in html.replace("&#x27;", "'")
    for english in ("Dose table", "actual weight", "intermediate", "predicted", "No arrhythmia", "unrounded"):
        assert english not in html


def test_the_values_that_disagree_in_french() -> None:
    candidate = ssc_candidate()  # findings: DLCO 58 %; hct_ci: cardiac false
    candidate["hct_ci"]["dlco_pct"] = 70
    candidate["hct_ci"]["bmi"] = 30.5  # height 165 cm and weight 62 kg give 22.8
    candidate["findings"]["lvef_pct"] = 45  # EF ≤ 50 % is "cardiac" by Sorror's definition
    result = screen_candidate(candidate)
    with translation.override("fr"):
        report = report_for_people(result)
    assert report["disagreements"] == [
        "DLCO donnée deux fois avec des valeurs différentes : 58 % dans findings (pour l'éligibilité) et "
        "70 % dans hct_ci (pour l'HCT-CI) ; ne la donner qu'une fois",
        "L'IMC est donné à 30,5 dans hct_ci, mais la taille de 165 cm et le poids de 62 kg donnent 22,8 ; "
        "l'HCT-CI utilise la valeur donnée, 30,5",
        "Cardiopathie : déclaré absent (cardiac = false), mais FEVG 45 % ≤ 50 % remplit sa définition dans "
        "la table 1 de Sorror — coronaropathie, insuffisance cardiaque congestive, infarctus du myocarde ou "
        "FE ≤ 50 %. Coté d'après la mesure, puisque la table définit l'élément par elle.",
    ]
    assert report["hct_ci"]["disagreements"] == report["disagreements"][2:]
    assert result.to_dict()["disagreements"][0].startswith("DLCO is given twice and the values disagree")


def test_the_form_labels_and_choices_in_french() -> None:
    """The candidate form's labels come from the clinical tables (descriptions and units) and the form's
    own words; the guideline's title keeps its citation key and code."""
    from remission.web.screening import candidate_form_class, disease_script_data

    with translation.override("fr"):
        form = candidate_form_class("ms")()
        labels = {name: str(field.label) for name, field in form.fields.items()}
        choices = {name: dict(getattr(field, "choices", ())) for name, field in form.fields.items()}
        script = disease_script_data()
    assert labels["infusion_year"] == "Année prévue du jour 0 (pour l'époque de la prédiction des résultats)"
    assert labels["findings__bilirubin_x_uln"] == "Bilirubine totale en multiple de la LSN (× LSN)"
    assert labels["findings__fev1_pct"] == "VEMS, % de la théorique (utilisé par l'HCT-CI) (%)"
    assert labels["findings__ms_course"] == "Forme évolutive de la SEP"
    assert labels["findings__amenable_to_surgery"] == "Maladie relevant de la chirurgie"
    assert labels["hct_ci__diabetes"] == (
        "Diabète : nécessitant de l'insuline ou un antidiabétique oral (pas le régime seul)"
    )
    assert labels["hct_ci__bmi"] == (
        "Indice de masse corporelle (kg/m²), si la taille et le poids ne sont pas donnés"
    )
    assert labels["policy__bsa_cap_m2"] == "Plafond de la SC (m²)"
    assert choices["sex"]["unknown"] == "Inconnu"
    assert choices["findings__ms_course"]["rrms"] == "rémittente-récurrente (rrms)"  # the criteria's code
    assert choices["policy__weight_basis"]["actual"] == "Poids réel"
    assert choices["disease"]["other"] == "Autre maladie auto-immune (other)"
    assert choices["guideline"][""] == "la recommandation par défaut de la maladie"
    assert choices["guideline"]["sharrack2020"] == (
        "Recommandations EBMT ADWP/JACIE pour la SEP [@Sharrack2020] [sharrack2020]"
    )
    assert script["default_label"] == "la recommandation par défaut de la maladie"
    assert script["titles"]["ebmt2025"] == (
        "Recommandations EBMT 2025 [@Alexander2025] ; pour la ScS, avec les exclusions cardiaques de l'EBMT"
    )
    assert script["guidelines"]["ms"] == ["sharrack2020"]  # codes stay
    english = [label for label in labels.values() if "predicted" in label or "ULN" in label]
    assert english == []


def test_the_form_labels_in_english_are_the_schemas() -> None:
    """In English, the labels read as the candidate schema describes the fields."""
    from remission.clinical.candidate import schema
    from remission.web.screening import candidate_form_class

    props = schema()["properties"]
    with translation.override("en-gb"):
        form = candidate_form_class("ssc")()
    assert form.fields["infusion_year"].label == props["infusion_year"]["description"]
    assert form.fields["height_cm"].label == props["height_cm"]["description"]
    for name in ("bilirubin_x_uln", "fev1_pct", "ssc_subset", "pasp_fluid_mmhg"):
        assert form.fields[f"findings__{name}"].label == props["findings"]["properties"][name]["description"]
    for name in ("diabetes", "hepatic_mild", "creatinine_mg_dl"):
        assert form.fields[f"hct_ci__{name}"].label == props["hct_ci"]["properties"][name]["description"]


def test_the_criteria_values_sources_and_thresholds_in_french() -> None:
    result = screen_candidate(ssc_candidate())
    with translation.override("fr"):
        report = report_for_people(result)
    transaminases = criterion(report, "transaminases")
    assert transaminases["value_text"] == "ASAT : 0,8 × LSN ; ALAT : 0,9 × LSN"
    assert transaminases["source"] == "hypothèse (paramètre), sans table source nommée ◐"
    assert criterion(report, "not_pregnant")["value_text"] == "non"
    assert criterion(report, "acr_eular_2013")["value_text"] == "oui"
    assert criterion(report, "tapse")["threshold"] == "exclusion si TAPSE < 1,8 cm"  # the decimal comma
    assert criterion(report, "constrictive_pericarditis")["source"] == "[@Alexander2025, Table 5] (absolue)"
    assert criterion(report, "age_min")["source"] == "[@Alexander2025, Table 2]"  # a citation, as it is
    plain = {c["code"]: c for c in result.to_dict()["eligibility"]["criteria"]}  # the API: English
    assert plain["transaminases"]["value_text"] == "AST: 0.8 × ULN; ALT: 0.9 × ULN"
    assert plain["transaminases"]["source"] == "assumption (setting), not from a named table ◐"
    assert plain["not_pregnant"]["value_text"] == "no"
    assert plain["tapse"]["threshold"] == "exclusion if TAPSE < 1.8 cm"


def test_what_the_dose_tables_and_the_hct_ci_miss_in_french() -> None:
    candidate = ms_candidate(height_cm=None)
    candidate.pop("height_cm", None)
    candidate["regimen"] = "cy200_ratg"
    result = screen_candidate(candidate)
    with translation.override("fr"):
        report = report_for_people(result)
    assert report["dosing_missing"] == ["Taille (cm)"]
    assert result.to_dict()["dosing_missing"] == ["height_cm"]  # the API keeps the field's name
    assert report["hct_ci"]["missing_labels"] == ["Obésité"]
    assert report["hct_ci"]["missing"] == ["obesity"]


def test_a_disease_without_rules_in_french() -> None:
    candidate = ms_candidate()
    candidate["disease"] = "other"
    candidate.pop("guideline", None)
    with translation.override("fr"):
        report = report_for_people(screen_candidate(candidate))
    rule = criterion(report, "disease_specific_rules")
    assert rule["threshold"] == "critères de sélection propres à la maladie « other » (aucun n'est codé)"
    assert rule["source"] == "Remission : seules la ScS, la SEP et la maladie de Crohn ont des règles codées"
