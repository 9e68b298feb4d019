"""The disease catalogue: fixed codes, EBMT categories from [@Snowden2012, Table 2], instruments."""

from __future__ import annotations

import pytest

from remission.clinical.diseases import (
    DISEASES,
    UNKNOWN_DISEASE,
    EbmtCategory,
    UnknownDiseaseError,
    disease_get,
)
from remission.clinical.instruments import INSTRUMENTS

REQUIRED = {
    "ssc",
    "ms",
    "sle",
    "ra",
    "jia",
    "crohn",
    "cidp",
    "nmo",
    "vasculitis",
    "myositis",
    "aic",
    "t1d",
    "other",
}

CO, D, GNR, S = (
    EbmtCategory.CLINICAL_OPTION,
    EbmtCategory.DEVELOPMENTAL,
    EbmtCategory.NOT_RECOMMENDED,
    EbmtCategory.STANDARD,
)


def test_required_codes_exist_exactly() -> None:
    assert set(DISEASES) >= REQUIRED
    assert {"celiac", "mg", "stiff_person"} <= set(DISEASES)


def test_codes_are_lowercase_and_match_keys() -> None:
    for code, disease in DISEASES.items():
        assert code == disease.code == code.lower()


def test_disease_get_known_and_unknown() -> None:
    assert disease_get("ms").name == "Multiple sclerosis"
    with pytest.raises(UnknownDiseaseError) as caught:
        disease_get("MS")
    assert str(caught.value) == UNKNOWN_DISEASE.format(code="MS", known=", ".join(DISEASES))


# [@Snowden2012, Table 2], written out row by row
@pytest.mark.parametrize(
    ("code", "auto", "sibling", "unrelated"),
    [
        ("ms", (CO, "II"), (D, "III"), (GNR, "III")),
        ("ssc", (CO, "II"), (D, "III"), (GNR, "III")),
        ("sle", (CO, "II"), (D, "III"), (GNR, "III")),
        ("crohn", (CO, "II"), (GNR, "III"), (GNR, "III")),
        ("ra", (CO, "II"), (GNR, "III"), (GNR, "III")),
        ("vasculitis", (CO, "II"), (GNR, "III"), (GNR, "III")),
        ("myositis", (CO, "II"), (GNR, "III"), (GNR, "III")),
        ("cidp", (CO, "II"), (GNR, "III"), (GNR, "III")),
        ("nmo", (CO, "II"), (GNR, "III"), (GNR, "III")),
        ("aic", (CO, "II"), (CO, "II"), (D, "III")),
        ("t1d", (D, "III"), (GNR, "III"), (GNR, "III")),
        ("celiac", (D, "III"), (GNR, "III"), (GNR, "III")),
    ],
)
def test_adult_ebmt_categories(code: str, auto: tuple, sibling: tuple, unrelated: tuple) -> None:
    ebmt = DISEASES[code].ebmt_adult
    assert ebmt is not None
    assert (ebmt.autologous.category, ebmt.autologous.grade) == auto
    assert (ebmt.allo_sibling.category, ebmt.allo_sibling.grade) == sibling
    assert (ebmt.allo_unrelated.category, ebmt.allo_unrelated.grade) == unrelated
    assert ebmt.autologous.verified


@pytest.mark.parametrize(
    ("code", "sibling"),
    [("jia", D), ("ssc", D), ("sle", D), ("crohn", GNR), ("vasculitis", GNR), ("myositis", GNR)],
)
def test_paediatric_ebmt_categories(code: str, sibling: EbmtCategory) -> None:
    paed = DISEASES[code].ebmt_paediatric
    assert paed is not None
    assert paed.autologous.category is CO and paed.autologous.grade == "II"
    assert paed.allo_sibling.category is sibling
    assert paed.allo_unrelated.category is GNR


def test_jia_is_paediatric_only() -> None:
    assert DISEASES["jia"].ebmt_adult is None


def test_later_standard_category_is_marked_unverified() -> None:
    for code in ("ms", "ssc"):
        update = DISEASES[code].ebmt_autologous_update
        assert update is not None and update.category is S and not update.verified
        assert str(update).endswith("◐")
    assert DISEASES["sle"].ebmt_autologous_update is None


def test_no_category_where_the_table_has_none() -> None:
    for code in ("mg", "stiff_person", "other"):
        assert DISEASES[code].ebmt_adult is None


def test_subtypes() -> None:
    assert set(DISEASES["ms"].subtypes) == {"rrms", "spms", "ppms"}
    assert {"diffuse", "limited"} <= set(DISEASES["ssc"].subtypes)
    assert len(DISEASES["jia"].subtypes) == 8  # ILAR categories incl. persistent/extended oligoarthritis


@pytest.mark.parametrize(
    ("code", "icd10"),
    [("ms", ("G35",)), ("ssc", ("M34",)), ("sle", ("M32",)), ("crohn", ("K50",)), ("t1d", ("E10",))],
)
def test_icd10(code: str, icd10: tuple[str, ...]) -> None:
    assert DISEASES[code].icd10 == icd10


def test_every_listed_instrument_exists() -> None:
    for disease in DISEASES.values():
        for instrument in disease.instruments:
            assert instrument in INSTRUMENTS, (disease.code, instrument)


def test_disease_instruments() -> None:
    assert "mrss" in DISEASES["ssc"].instruments
    assert DISEASES["ms"].instruments == ("edss", "mri_brain")
    assert "sledai2k" in DISEASES["sle"].instruments
    assert {"cdai_crohn", "hbi"} <= set(DISEASES["crohn"].instruments)


def test_catalogue_is_read_only() -> None:
    with pytest.raises(TypeError):
        DISEASES["new"] = DISEASES["ms"]  # type: ignore[index]
