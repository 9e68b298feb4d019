"""The comparison section: a hand-made Comparison, every printed number written out by hand.

The expected strings follow the house format (reports/numbers.py): ratios "0.66 (0.47–0.94)", percentages
"93.9% (91.1–96.9)", p with two significant digits or "<0.001", SMDs with three decimals. Every value of
the Comparison below is typed in, so each expected string is the rounding of a number in this file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from remission.analysis.comparison import Comparison, ComparisonProtocol
from remission.reports.comparison_section import (
    GID_AFTER,
    GID_BAND,
    GID_BEFORE,
    GID_LIMIT,
    GID_POINT,
    GID_STEP,
    balance_term_label,
    comparison_document,
    comparison_methods,
    comparison_section,
    effective_sample_size,
    love_plot,
    plot_love,
    plot_weighted_curves,
    protocol_words,
    weighted_curves_figure,
)
from remission.reports.document import FigureBlock, KeyValues, Paragraph, Table
from remission.reports.html import render_html
from remission.reports.pdf import render_pdf

YEAR = 365.25
PROTOCOL = ComparisonProtocol(
    by="regimen",
    treatment="cy200_ratg",
    comparator="beam_atg",
    disease="ms",
    covariates=("age", "sex", "hct_ci"),
)
NAN = float("nan")
BALANCE = pd.DataFrame(
    {
        "binary": [False, True, True, False],
        "mean_treated_before": [44.123, 0.62, 0.38, 1.2],
        "mean_control_before": [40.0, 0.5, 0.5, 0.9],
        "smd_before": [0.41234, 0.2458, -0.2458, 0.25],
        "var_ratio_before": [1.1, NAN, NAN, 1.3],
        "mean_treated_after": [42.01, 0.55, 0.45, 1.05],
        "mean_control_after": [41.5, 0.54, 0.46, 0.9],
        "smd_after": [0.05, 0.0201, -0.0201, 0.125],
        "var_ratio_after": [0.95, NAN, NAN, 1.234],
    },
    index=pd.Index(["age", "sexfemale", "sexmale", "hct_ci"], name="term"),
)
EFFECTS = pd.DataFrame(
    [
        ("OS", "weighted Cox", 0.66308, 0.46617, 0.94318, 0.02229, "robust (sandwich)"),
        ("PFS", "weighted Cox", 0.6193, 0.4779, 0.8026, 0.000291, "robust (sandwich)"),
        ("NRM", "weighted Fine-Gray", 0.70, 0.38, 1.30, 0.2612, "sandwich"),
    ],
    columns=["endpoint", "model", "hazard_ratio", "lower", "upper", "p_value", "variance"],
)
CURVES = pd.DataFrame(
    [
        ("OS", "treatment", YEAR, 0.939, 0.015, 0.911, 0.969),
        ("OS", "treatment", 2 * YEAR, 0.771, 0.031, 0.710, 0.838),
        ("OS", "comparator", YEAR, 0.889, 0.016, 0.859, 0.921),
        ("OS", "comparator", 2 * YEAR, 0.744, 0.022, 0.701, 0.789),
        ("NRM", "treatment", YEAR, 0.005, 0.005, 0.001, 0.036),
        ("NRM", "treatment", 2 * YEAR, 0.032, 0.014, 0.013, 0.077),
        ("NRM", "comparator", YEAR, 0.021, 0.007, 0.011, 0.040),
        ("NRM", "comparator", 2 * YEAR, 0.028, 0.008, 0.016, 0.049),
    ],
    columns=["endpoint", "group", "time_days", "estimate", "std_err", "lower", "upper"],
)
ROWS = pd.DataFrame(
    {
        "treated": [1, 1, 1, 0, 0, 0, 0],
        "score": [0.6, 0.5, 0.4, 0.5, 0.3, 0.4, 0.9],
        "weight": [1.0, 1.0, 2.0, 0.5, 1.5, 1.0, 0.0],
    }
)
COMPARISON = Comparison(
    protocol=PROTOCOL,
    rows=ROWS,
    left_out=(("another disease than ms", 12), ("another regimen", 5), ("age not recorded", 1)),
    balance=BALANCE,
    curves=CURVES,
    effects=EFFECTS,
    rule="ATE inverse-probability weights, stabilised; no trimming",
    imbalanced=("hct_ci",),
    notes=("weighted Fine-Gray relapse/progression: not computed — no events",),
)
WORDS = protocol_words(PROTOCOL)
SECTION_WORDS = {k: v for k, v in WORDS.items() if k != "title"}
TREATMENT, COMPARATOR = "Cy 200 mg/kg + rabbit ATG", "BEAM + rabbit ATG"


def _section(comparison: Comparison = COMPARISON, **kwargs: object):  # type: ignore[no-untyped-def]
    return comparison_section(comparison, **SECTION_WORDS, **kwargs)  # type: ignore[arg-type]


def _table(section, caption_start: str) -> Table:  # type: ignore[no-untyped-def]
    return next(b for b in section.blocks if isinstance(b, Table) and b.caption.startswith(caption_start))


def _gid(fig, gid: str) -> list:  # type: ignore[no-untyped-def]
    return [a for ax in fig.axes for a in ax.get_children() if a.get_gid() == gid]


def test_words_of_the_protocol() -> None:
    assert {
        "disease_words": "multiple sclerosis",
        "treatment_words": TREATMENT,
        "comparator_words": COMPARATOR,
        "title": f"{TREATMENT} vs {COMPARATOR} in multiple sclerosis",
    } == WORDS
    era = protocol_words(
        ComparisonProtocol(by="era", treatment="≥2020", comparator="2000–2009", disease="sle")
    )
    assert era["title"] == "The era from 2020 vs the 2000–2009 era in systemic lupus erythematosus"
    assert era["treatment_words"] == "the era from 2020" and era["comparator_words"] == "the 2000–2009 era"
    assert era["disease_words"] == "systemic lupus erythematosus"
    intensity = protocol_words(
        ComparisonProtocol(by="intensity", treatment="high", comparator="intermediate")
    )
    assert intensity["title"] == (
        "High-intensity conditioning vs intermediate-intensity conditioning in any autoimmune disease"
    )
    assert protocol_words(
        ComparisonProtocol(by="regimen", treatment="cy200_ratg", comparator="x", disease="crohn")
    )["title"] == (
        f"{TREATMENT} vs x in Crohn's disease"
    )  # an unknown code stays a code; an eponym keeps its case


def test_balance_terms_in_words() -> None:
    covariates = ("age", "sex", "subtype", "era", "hct_ci", "experienced")
    assert balance_term_label("age", covariates, "ms") == "Age at infusion, years"
    assert balance_term_label("sexmale", covariates, "ms") == "Sex: Male"
    assert balance_term_label("subtyperrms", covariates, "ms") == "Subtype: Relapsing-remitting MS"
    assert balance_term_label("subtypeunrecorded", covariates, "ms") == "Subtype: not recorded"
    assert balance_term_label("era2010–2019", covariates, "ms") == "Era of infusion: 2010–2019"
    assert balance_term_label("hct_ci", covariates, "ms") == "HCT-CI score"
    assert balance_term_label("experiencedyes", covariates, "ms") == "Experienced centre: yes"
    assert balance_term_label("other", covariates, "ms") == "other"


def test_order_protocol_and_balance_before_effects() -> None:
    section = _section()
    assert section.title == f"{TREATMENT} vs {COMPARATOR} in multiple sclerosis"
    blocks = section.blocks
    where = {
        "protocol": next(i for i, b in enumerate(blocks) if isinstance(b, KeyValues)),
        "left out": blocks.index(_table(section, "Left out")),
        "groups": blocks.index(_table(section, "Patients compared")),
        "balance": blocks.index(_table(section, "Covariate balance")),
        "love": next(i for i, b in enumerate(blocks) if isinstance(b, FigureBlock) and b.name == "love-plot"),
        "effects": blocks.index(_table(section, "Effect of")),
        "estimates": blocks.index(_table(section, "Weighted estimates")),
        "curves": next(
            i for i, b in enumerate(blocks) if isinstance(b, FigureBlock) and b.name != "love-plot"
        ),
        "rule": next(
            i
            for i, b in enumerate(blocks)
            if isinstance(b, Paragraph) and b.text.startswith("Balancing rule")
        ),
    }
    assert list(where) == sorted(where, key=where.__getitem__)  # in the order above, each found
    assert [b.name for b in blocks if isinstance(b, FigureBlock)] == [
        "love-plot",
        "comparison-os",
        "comparison-nrm",
    ]
    assert (
        blocks[where["rule"]].text
        == "Balancing rule: ATE inverse-probability weights, stabilised; no trimming"
    )
    assert blocks[-1] == Paragraph(
        "• weighted Fine-Gray relapse/progression: not computed — no events", note=True
    )
    protocol = blocks[where["protocol"]]
    assert protocol.items == tuple(
        (str(part), str(text))
        for part, text in PROTOCOL.sections("multiple sclerosis", TREATMENT, COMPARATOR)
    )


def test_left_out_and_groups_by_hand() -> None:
    section = _section()
    left = _table(section, "Left out")
    assert left.rows == (
        ("another disease than ms", "12"),
        ("another regimen", "5"),
        ("age not recorded", "1"),
    )
    groups = _table(section, "Patients compared")
    assert groups.header == ("Group", "Eligible", "Weight above 0", "Sum of weights", "Effective sample size")
    # treatment: weights 1, 1, 2 -> sum 4, Kish (4^2)/(1+1+4) = 16/6 = 2.67
    # comparator: 0.5, 1.5, 1, 0 -> 3 above 0, sum 3, 9/(0.25+2.25+1) = 9/3.5 = 2.57
    assert groups.rows == ((TREATMENT, "3", "3", "4.0", "2.7"), (COMPARATOR, "4", "3", "3.0", "2.6"))
    data = groups.data.set_index("group")
    assert data.loc["treatment", "effective_n"] == pytest.approx(16 / 6, abs=1e-12)
    assert data.loc["comparator", "effective_n"] == pytest.approx(9 / 3.5, abs=1e-12)
    matched = _section(
        dataclasses.replace(COMPARISON, protocol=dataclasses.replace(PROTOCOL, method="matching"))
    )
    assert _table(matched, "Patients compared").header[2] == "Matched"
    none_left = _section(dataclasses.replace(COMPARISON, left_out=()))
    assert Paragraph("No patient of the analysis set was left out of the comparison.") in none_left.blocks


def test_balance_table_by_hand() -> None:
    table = _table(_section(), "Covariate balance")
    assert table.header == (
        "Covariate",
        f"{TREATMENT}, before",
        f"{COMPARATOR}, before",
        "SMD before",
        f"{TREATMENT}, after",
        f"{COMPARATOR}, after",
        "SMD after",
        "Variance ratio after",
    )
    assert table.rows == (
        ("Age at infusion, years", "44.12", "40.00", "0.412", "42.01", "41.50", "0.050", "0.95"),
        ("Sex: Female", "62.0%", "50.0%", "0.246", "55.0%", "54.0%", "0.020", "–"),
        ("Sex: Male", "38.0%", "50.0%", "-0.246", "45.0%", "46.0%", "-0.020", "–"),
        ("HCT-CI score", "1.20", "0.90", "0.250", "1.05", "0.90", "0.125", "1.23"),
    )


def test_imbalanced_terms_are_named() -> None:
    texts = [b.text for b in _section().blocks if isinstance(b, Paragraph)]
    assert (
        "Still imbalanced after weighting (absolute SMD above 0.1): HCT-CI score. The outcome estimates "
        "below may be confounded by these covariates."
    ) in texts
    balanced = dataclasses.replace(
        COMPARISON, balance=BALANCE.assign(smd_after=[0.05, 0.0201, -0.0201, -0.0876]), imbalanced=()
    )
    texts = [b.text for b in _section(balanced).blocks if isinstance(b, Paragraph)]
    assert (
        "After weighting every covariate is balanced: the largest absolute SMD is 0.088 (limit 0.1)." in texts
    )


def test_effects_by_hand() -> None:
    table = _table(_section(), "Effect of")
    assert table.header == ("Endpoint", "Model", "Hazard ratio (95% CI)", "p", "Variance")
    assert table.rows == (
        ("Overall survival", "weighted Cox", "0.66 (0.47–0.94)", "0.022", "robust (sandwich)"),
        ("Progression-free survival", "weighted Cox", "0.62 (0.48–0.80)", "<0.001", "robust (sandwich)"),
        ("Non-relapse mortality", "weighted Fine-Gray", "0.70 (0.38–1.30)", "0.26", "sandwich"),
    )
    empty = _section(dataclasses.replace(COMPARISON, effects=EFFECTS.iloc[0:0]))
    assert Paragraph("No hazard ratio could be estimated (see the notes below).") in empty.blocks


def test_weighted_estimates_by_hand() -> None:
    table = _table(_section(), "Weighted estimates")
    assert table.header == ("Endpoint and group", "1 year", "2 years")
    assert table.group_rows == (0, 3)
    assert table.rows == (
        ("Overall survival", "", ""),
        (TREATMENT, "93.9% (91.1–96.9)", "77.1% (71.0–83.8)"),
        (COMPARATOR, "88.9% (85.9–92.1)", "74.4% (70.1–78.9)"),
        ("Non-relapse mortality", "", ""),
        (TREATMENT, "0.5% (0.1–3.6)", "3.2% (1.3–7.7)"),
        (COMPARATOR, "2.1% (1.1–4.0)", "2.8% (1.6–4.9)"),
    )


def test_love_plot_has_one_row_per_term() -> None:
    labels = {"age": "Age", "sexfemale": "Female", "sexmale": "Male", "hct_ci": "HCT-CI"}
    fig = plot_love(BALANCE, labels=labels)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Age",
        "Female",
        "Male",
        "HCT-CI",
    ]  # top to bottom
    (before,) = _gid(fig, GID_BEFORE)
    (after,) = _gid(fig, GID_AFTER)
    assert list(before.get_ydata()) == [3.0, 2.0, 1.0, 0.0]  # one row per term, the first on top
    assert list(before.get_xdata()) == [0.41234, 0.2458, 0.2458, 0.25]  # absolute values
    assert list(after.get_xdata()) == [0.05, 0.0201, 0.0201, 0.125]
    assert before.get_markerfacecolor() == "white" and after.get_markerfacecolor() != "white"  # open, filled
    (limit,) = _gid(fig, GID_LIMIT)
    assert list(limit.get_xdata()) == [0.1, 0.1] and limit.get_linestyle() == "--"
    unbalanced = plot_love(BALANCE.drop(columns=[c for c in BALANCE if c.endswith("_after")]))
    assert len(_gid(unbalanced, GID_BEFORE)) == 1 and not _gid(unbalanced, GID_AFTER)
    block = love_plot(BALANCE, balancing="weighting")
    assert block.png.startswith(b"\x89PNG")
    assert "1 of 4 above 0.1 after weighting" in block.alt
    with pytest.raises(ValueError, match="no term"):
        plot_love(BALANCE.iloc[0:0])


def test_weighted_curves_points_or_steps() -> None:
    words = {"treatment": TREATMENT, "comparator": COMPARATOR}
    fig = plot_weighted_curves(CURVES, "OS", words)
    points = _gid(fig, GID_POINT)
    assert [list(p.get_ydata()) for p in points] == [[0.939, 0.771], [0.889, 0.744]]
    # years on the axis, the two groups set 2.5% of the axis (2 years) either side of the time
    assert [list(p.get_xdata()) for p in points] == [
        pytest.approx([1 - 0.025, 2 - 0.025], abs=1e-12),
        pytest.approx([1 + 0.025, 2 + 0.025], abs=1e-12),
    ]
    assert not _gid(fig, GID_STEP)
    steps = pd.DataFrame(
        [
            ("OS", "treatment", 100.0, 0.95, 0.05, 0.86, 1.0),
            ("OS", "treatment", 400.0, 0.90, 0.07, 0.78, 1.0),
            ("OS", "comparator", 200.0, 0.80, 0.09, 0.65, 0.98),
        ],
        columns=list(CURVES.columns),
    )
    fig = plot_weighted_curves(CURVES, "OS", words, steps=steps)
    lines = _gid(fig, GID_STEP)
    assert [list(line.get_ydata()) for line in lines] == [[1.0, 0.95, 0.90], [1.0, 0.80]]  # from 1 at day 0
    assert len(_gid(fig, GID_BAND)) == 2 and not _gid(fig, GID_POINT)
    block = weighted_curves_figure(CURVES, "NRM", words)
    assert block.name == "comparison-nrm"
    assert block.caption.startswith(
        "Non-relapse mortality: the weighted (after weighting) cumulative incidence"
    )
    assert "at 1 year, 2 years, with 95% confidence intervals" in block.caption
    stepped = weighted_curves_figure(CURVES, "OS", words, steps=steps)
    assert "at every event time, with pointwise 95% confidence bands" in stepped.caption
    with pytest.raises(ValueError, match="'PFS' has no row"):
        plot_weighted_curves(CURVES, "PFS", words)
    with pytest.raises(ValueError, match="no words for group 'comparator'"):
        plot_weighted_curves(CURVES, "OS", {"treatment": TREATMENT})
    section = _section(steps=steps)
    captions = [b.caption for b in section.blocks if isinstance(b, FigureBlock)]
    assert "every event time" in captions[1] and "every event time" not in captions[2]  # OS stepped, NRM not


def test_methods_cite_the_sources() -> None:
    text = comparison_methods(COMPARISON)
    assert "[@" not in text
    for printed in (
        "(Hernán & Robins, Am J Epidemiol 2016, abstract)",
        "(Austin, Stat Med 2009, abstract)",
        "(Aalen, Ann Stat 1978)",
        "(Cox, J R Stat Soc Series B Methodol 1972)",
        "(Fine & Gray, J Am Stat Assoc 1999)",
        "stabilised inverse-probability weights for everyone eligible (ATE)",
        "logistic regression on age, sex and HCT-CI (age as a natural cubic spline with 3 degrees of",
        "with the unweighted standard deviation pooled over the two groups as the scale",
    ):
        assert printed in text
    assert "Austin, Pharm Stat 2011" not in text and "Li, Morgan & Zaslavsky" not in text
    matching = comparison_methods(
        dataclasses.replace(COMPARISON, protocol=dataclasses.replace(PROTOCOL, method="matching", ratio=2))
    )
    assert "matched to 2 comparator patients" in matching
    assert "with the unweighted standard deviation of the treated group as the scale" in matching
    assert (
        "within a caliper of 0.2 standard deviations of that logit (Austin, Pharm Stat 2011, abstract)"
        in matching
    )
    overlap = comparison_methods(
        dataclasses.replace(
            COMPARISON, protocol=dataclasses.replace(PROTOCOL, estimand="overlap", trim="crump")
        )
    )
    assert "(Li, Morgan & Zaslavsky, J Am Stat Assoc 2018, abstract)" in overlap
    assert "Scores were trimmed by the Crump rule." in overlap


def test_document_renders_as_html_and_pdf() -> None:
    document = comparison_document(
        COMPARISON, generated=dt.date(2026, 12, 4), cutoff=dt.date(2024, 12, 31), **WORDS
    )
    assert document.title == f"{TREATMENT} vs {COMPARATOR} in multiple sclerosis"
    assert document.subtitle == "Emulated target trial · data cut-off 2024-12-31 · generated 2026-12-04"
    assert [s.title for s in document.sections] == [document.title, "Methods"]
    html = render_html(document)
    for text in ("0.66 (0.47–0.94)", "93.9% (91.1–96.9)", "HCT-CI score", "Causal contrast"):
        assert text in html
    assert html.index("Covariate balance") < html.index("Effect of")
    pdf = render_pdf(document)
    assert pdf.startswith(b"%PDF")
    no_cutoff = comparison_document(COMPARISON, generated=dt.date(2026, 12, 4), cutoff=None, **WORDS)
    assert "data cut-off latest contact" in no_cutoff.subtitle


def test_effective_sample_size_of_equal_weights_is_the_count() -> None:
    assert effective_sample_size(np.array([2.0, 2.0, 2.0, 0.0])) == pytest.approx(3.0, abs=1e-12)


def test_group_names_start_a_cell_with_a_capital() -> None:
    era = ComparisonProtocol(by="era", treatment="≥2020", comparator="2000–2009", disease="ms")
    words = {k: v for k, v in protocol_words(era).items() if k != "title"}
    section = comparison_section(dataclasses.replace(COMPARISON, protocol=era), **words)
    assert [row[0] for row in _table(section, "Patients compared").rows] == [
        "The era from 2020",
        "The 2000–2009 era",
    ]
    assert _table(section, "Covariate balance").header[1] == "The era from 2020, before"
    assert _table(section, "Effect of").caption.startswith(
        "Effect of the era from 2020 vs the 2000–2009 era:"
    )
    fig = plot_weighted_curves(CURVES, "OS", {"treatment": words["treatment_words"], "comparator": "x"})
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["The era from 2020", "X"]
