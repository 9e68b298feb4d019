"""The labels of coded fields: Django choices, catalogue codes and laboratory units, in one place."""

from __future__ import annotations

from remission.registry import labels
from remission.registry.kinds import EDITABLE_KINDS
from remission.registry.models import (
    CellProduct,
    Conditioning,
    Diagnosis,
    FollowUp,
    LabResult,
    Mobilisation,
    Patient,
)


def test_catalogue_codes_have_their_names() -> None:
    assert labels.code_label(Diagnosis, "disease", "ms") == "Multiple sclerosis"
    assert labels.code_label(Diagnosis, "subtype", "rrms", disease="ms") == "Relapsing-remitting MS"
    assert labels.code_label(Mobilisation, "regimen", "mob_cy2_gcsf") == "Mobilisation: Cy 2 g/m² + G-CSF"
    assert labels.code_label(Conditioning, "regimen", "cy200_ratg") == "Cy 200 mg/kg + rabbit ATG"


def test_django_choices_have_their_labels() -> None:
    assert labels.code_label(Conditioning, "intensity", "unknown") == "Unknown"
    assert labels.code_label(CellProduct, "source", "pb") == "Peripheral blood"
    assert labels.code_label(FollowUp, "disease_status", "relapse") == "Relapse (after response)"
    assert labels.code_label(Patient, "sex", "female") == "Female"


def test_units_are_written_as_people_write_them() -> None:
    assert labels.code_label(LabResult, "unit", "cells/uL") == "cells/µL"
    assert labels.code_label(LabResult, "unit", "10^9/L") == "× 10⁹/L"
    assert ("copies/ug DNA", "copies/µg DNA") in labels.code_choices(LabResult, "unit")


def test_a_subtype_is_read_with_its_disease() -> None:
    # "juvenile" is a subtype of both systemic sclerosis and lupus
    assert labels.code_label(Diagnosis, "subtype", "juvenile", disease="ssc") == "Juvenile SSc"
    assert labels.code_label(Diagnosis, "subtype", "juvenile", disease="sle") == "Juvenile SLE"
    assert labels.code_label(Diagnosis, "subtype", "juvenile") == "Juvenile SSc / Juvenile SLE"
    record = Diagnosis(disease="sle", subtype="juvenile")
    assert labels.record_label(record, "subtype") == "Juvenile SLE"
    assert labels.record_label(record, "disease") == "Systemic lupus erythematosus"


def test_unknown_and_empty_values() -> None:
    assert labels.code_label(Diagnosis, "disease", "not_a_disease") == "not_a_disease"
    assert labels.code_label(Diagnosis, "subtype", "") == ""
    assert labels.code_label(FollowUp, "vital_status", None) == ""
    assert labels.code_choices(Diagnosis, "icd10") == ()
    assert labels.code_choices(Diagnosis, "no_such_field") == ()


def test_every_coded_field_of_every_kind_has_labels_for_every_code() -> None:
    for kind in EDITABLE_KINDS.values():
        for name in labels.coded_fields(kind.model):
            choices = labels.code_choices(kind.model, name)
            codes = [code for code, _ in choices]
            assert len(codes) == len(set(codes)), (kind.slug, name)
            assert all(label.strip() for _, label in choices), (kind.slug, name)
    assert labels.coded_fields(Diagnosis) == ("disease", "subtype")
    assert labels.coded_fields(Conditioning) == ("regimen", "intensity", "serotherapy")
    assert labels.coded_fields(LabResult) == ("analyte", "unit")


def test_numbers_are_written_for_people() -> None:
    assert labels.number_text(1e7) == "10,000,000"
    assert labels.number_text(1436.0) == "1,436"
    assert labels.number_text(3.5) == "3.5"
    assert labels.number_text(2.0) == "2"
    assert labels.number_text(1e-5) == "0.00001"
    assert labels.number_text(-1234.5) == "-1,234.5"
    assert labels.number_text(-0.0) == "0"
    assert labels.number_text(123456789.125) == "123,456,789.125"
    assert labels.number_text(None) == ""
