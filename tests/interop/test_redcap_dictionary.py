"""The REDCap data dictionary of the mirror project: REDCap's columns, types, choices, missing codes."""

from __future__ import annotations

import csv
import io

from remission.interop.redcap import (
    MISSING_DATA_CODES_SETTING,
    NOMISSING,
    instruments,
    records_header,
    repeating_instruments,
    write_dictionary,
)

# REDCap's own header of a data dictionary, as its "Download the current Data Dictionary" writes it.
REDCAP_HEADER = [
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
]


def _dictionary() -> tuple[list[str], dict[str, dict[str, str]], list[str]]:
    out = io.StringIO()
    count = write_dictionary(out)
    reader = csv.DictReader(io.StringIO(out.getvalue()))
    rows = list(reader)
    assert len(rows) == count
    return (
        list(reader.fieldnames or []),
        {r["Variable / Field Name"]: r for r in rows},
        [r["Variable / Field Name"] for r in rows],
    )


def test_header_is_redcaps_and_record_id_comes_first() -> None:
    header, rows, order = _dictionary()
    assert header == REDCAP_HEADER
    assert order[0] == "record_id"
    assert rows["record_id"]["Form Name"] == "patient"
    assert len(order) == len(set(order))  # variable names are unique across the project


def test_field_types_validations_and_choices() -> None:
    _header, rows, _order = _dictionary()
    assert (
        rows["inf_date"]["Field Type"],
        rows["inf_date"]["Text Validation Type OR Show Slider Number"],
    ) == (
        "text",
        "date_ymd",
    )
    assert rows["inf_sequence"]["Text Validation Type OR Show Slider Number"] == "integer"
    assert rows["lab_value"]["Text Validation Type OR Show Slider Number"] == "number"
    assert rows["sex"]["Field Type"] == "dropdown"
    assert (
        rows["sex"]["Choices, Calculations, OR Slider Labels"]
        == "female, Female | male, Male | unknown, Unknown"
    )
    assert rows["dx_is_primary"]["Field Type"] == "yesno"
    assert rows["asm_items"]["Field Type"] == "notes"
    # mg/kg is not a REDCap raw code (letters, digits, underscores): a text field listing the codes
    assert rows["ca_unit"]["Field Type"] == "text"
    assert "mg/kg" in rows["ca_unit"]["Field Note"]
    assert rows["inf_product"]["Text Validation Type OR Show Slider Number"] == "integer"


def test_missing_codes_and_nomissing() -> None:
    _header, rows, _order = _dictionary()
    assert MISSING_DATA_CODES_SETTING == "NE, Not evaluated | UNK, Unknown | NA, Not applicable"
    assert rows["dx_diagnosis_date"]["Field Annotation"] == ""  # may be marked missing
    assert rows["sex"]["Field Annotation"] == NOMISSING  # the patient's fields are never marked missing
    assert rows["lab_value"]["Field Annotation"] == NOMISSING  # laboratory results take no reasons


def test_instruments_and_records_header() -> None:
    assert instruments()[0] == "patient"
    assert "patient" not in repeating_instruments()
    assert set(repeating_instruments()) == set(instruments()) - {"patient"}
    header = records_header()
    assert header[:4] == [
        "record_id",
        "redcap_event_name",
        "redcap_repeat_instrument",
        "redcap_repeat_instance",
    ]
    assert header.index("patient_complete") < header.index("dx_disease") < header.index("diagnosis_complete")
