"""The methods paragraph and the software versions a report states.

The text cites its sources by key of :mod:`remission.clinical.bibliography` (``[@KaplanMeier1958]``); the
report prints each citation as authors, journal and year: "(Kaplan & Meier, J Am Stat Assoc 1958)".
"""

from __future__ import annotations

import platform
import re
from importlib import metadata

import matplotlib
import numpy
import pandas
import scipy
from django.utils.translation import gettext as _

from remission.analysis.outcomes import MIN_EVENTS_PER_TERM
from remission.clinical.bibliography import CITATION, Source, source

PACKAGES: tuple[str, ...] = ("remission", "numpy", "scipy", "pandas", "matplotlib", "reportlab")


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return _("not installed")


def _short(entry: Source) -> str:
    """'Kaplan & Meier, J Am Stat Assoc 1958': up to three surnames (else the first and 'et al.'), where,
    when."""
    authors = [a.strip() for a in entry.authors.rstrip(".").split(",")]
    surnames = [a.rsplit(" ", 1)[0] if " " in a else a for a in authors if a != "et al"]
    if authors[-1] == "et al" or len(surnames) > 3:
        names = f"{surnames[0]} et al."
    elif len(surnames) == 1:
        names = surnames[0]
    else:
        names = ", ".join(surnames[:-1]) + " & " + surnames[-1]
    return f"{names}, {entry.container} {entry.year}"


def cite(text: str) -> str:
    """``text`` with each citation of the bibliography (key, optionally a locator) printed as
    "(authors, journal year[, locator])"."""

    def one(match: re.Match[str]) -> str:
        where = (match.group(2) or "").strip()
        return f"({_short(source(match.group(1)))}{', ' + where if where else ''})"

    return CITATION.sub(one, text)


def software_versions() -> list[tuple[str, str]]:
    """(package, version) for Remission, the numerical stack and the renderers, and Python itself."""
    known = {"numpy": numpy.__version__, "scipy": scipy.__version__, "pandas": pandas.__version__}
    known["matplotlib"] = matplotlib.__version__
    versions = [(name, known.get(name) or _version(name)) for name in PACKAGES]
    return [("Python", platform.python_version()), *versions]


def methods_text(
    *,
    selection: str,
    timepoints: str,
    covariates: str,
    experience_threshold: int,
    group_rule: str = "",
    cutoff: str = "",
) -> list[str]:
    """The methods as paragraphs: endpoints, estimators, tests (and ``group_rule``, which groups are
    compared), models, follow-up, software; ``cutoff``: the data cut-off and the rule that set it."""
    versions = dict(software_versions())
    analysis_set = (
        _(
            "Analysis set: %(selection)s; the patient flow shows who is left out and why. Data cut-off: "
            "%(cutoff)s; records dated after it are not used, an infusion after it is not analysed, and "
            "follow-up ends there."
        )
        if cutoff
        else _("Analysis set: %(selection)s; the patient flow shows who is left out and why.")
    ) % {"selection": selection, "cutoff": cutoff}
    endpoints = _(
        "Time zero is the day of that infusion (day 0); times are whole days from day 0 and a year is "
        "365.25 days. Endpoints follow EBMT/CIBMTR usage: overall survival (death from any cause), "
        "progression-free survival (relapse, progression or death), relapse or progression and non-relapse "
        "mortality (death without a prior relapse or progression) as competing risks. Patients without the "
        "event are censored at their last contact or at the data cut-off."
    )
    tests = _(
        "Groups were compared by the log-rank test for survival [@Mantel1966] and by Gray's test for "
        "cumulative incidence [@Gray1988]."
    )
    models = _(
        "Multivariable models: Cox proportional hazards regression [@Cox1972], as R survival::coxph with "
        "Efron's method for tied times [@Efron1977], for overall and progression-free survival, and for "
        "non-relapse mortality the Fine-Gray subdistribution hazards model, as cmprsk::crr with its "
        "sandwich variance [@FineGray1999], and a cause-specific Cox model. Covariates: %(covariates)s; an "
        "experienced centre has at least %(threshold)s earlier autoimmune-disease procedures "
        "[@Snowden2017]. Complete cases; a model is fitted only with at least %(events)s events per model "
        "term [@Vittinghoff2007], and a model not fitted is listed with the reason. Proportional hazards "
        "were checked for each Cox model by the test on scaled Schoenfeld residuals [@Grambsch1994], as R "
        "survival::cox.zph with time transformed by the Kaplan-Meier estimate. The course after infusion is "
        "shown as a multi-state model (transplanted, response, relapse or progression, death without or "
        "after relapse) with Aalen-Johansen state occupation probabilities [@Aalen1978]."
    ) % {"covariates": covariates, "threshold": experience_threshold, "events": MIN_EVENTS_PER_TERM}
    paragraphs = [
        f"{analysis_set} {endpoints}",
        _(
            "Survival was estimated by the Kaplan-Meier method [@KaplanMeier1958] with Greenwood's variance "
            "and pointwise 95%% confidence intervals on the log-log scale [@Kalbfleisch2002]. Cumulative "
            "incidence was estimated by the Aalen-Johansen estimator [@Aalen1978], with the variance of "
            "cmprsk::cuminc (Aalen's asymptotic variance; delta method with cmprsk's correction for tied "
            "events) and log-log intervals. Estimates are reported at %(timepoints)s."
        )
        % {"timepoints": timepoints},
        " ".join(part for part in (tests, group_rule, models) if part),
        _(
            "Follow-up: median by the reverse Kaplan-Meier method [@Schemper1996]; completeness by "
            "Clark's index [@Clark2002]."
        ),
        _(
            "Software: Remission %(remission)s (statistics engine remission.survival, tested against R "
            "survival and cmprsk), NumPy %(numpy)s, SciPy %(scipy)s, pandas %(pandas)s, Matplotlib "
            "%(matplotlib)s, Python %(python)s."
        )
        % {
            "remission": versions["remission"],
            "numpy": versions["numpy"],
            "scipy": versions["scipy"],
            "pandas": versions["pandas"],
            "matplotlib": versions["matplotlib"],
            "python": versions["Python"],
        },
    ]
    return [cite(text) for text in paragraphs]


def activity_methods(*, min_patients: int) -> str:
    """How score trajectories and immune reconstitution are summarised."""
    return cite(
        _(
            "Disease activity and immune reconstitution: every recorded score and laboratory value is "
            "placed by its days since the patient's index infusion. Scores are summarised in windows of 6 "
            "months, laboratory values by month up to 24 months; in each window a patient counts once (the "
            "median of their values there) and the window's median and interquartile range are over "
            "patients, for windows with at least %(minimum)s patients. Values before the infusion are "
            "pooled as 'Before'. A score counts only the patients whose disease it measures (mRSS for "
            "systemic sclerosis, EDSS for multiple sclerosis and NMOSD, SLEDAI-2K for SLE, DAS28 and CDAI "
            "for rheumatoid arthritis, JADAS for JIA, CDAI and Harvey-Bradshaw for Crohn's disease). "
            "Laboratory values are converted to one unit per analyte where the conversion is exact; the "
            "CD4/CD8 ratio is computed per patient and day. These are descriptive: patients with more "
            "visits are not followed for longer, and the patients measured in a window are those still "
            "followed and tested then."
        )
        % {"minimum": min_patients}
    )


def benchmarking_methods(*, endpoints: str, covariates: str, min_centres: int) -> str:
    """How centres are benchmarked (remission.analysis.benchmarking)."""
    return cite(
        _(
            "Centre benchmarking (shown with at least %(min_centres)s centres): for %(endpoints)s, each "
            "patient's time is truncated at the horizon and the expected number of events of a centre is "
            "the sum, over its patients, of the cumulative hazard up to their own time from a Cox model of "
            'the case mix without centre (%(covariates)s; Efron ties; R predict(coxph, type = "expected")). '
            "For non-relapse mortality the model is cause-specific (a relapse or progression ends the time "
            "at risk). Over the cohort observed and expected events are equal. Each centre's "
            "observed/expected ratio (O/E) has an exact Poisson 95%% confidence interval, and the funnel "
            "plot draws O/E against the expected events with 95%% and 99.8%% control limits, exact Poisson "
            "limits with interpolation [@Spiegelhalter2005]. Conditioning intensity and centre experience "
            "are not adjusted for: they are part of the centre practice that is compared. A centre outside "
            "the 99.8%% limits warrants a look at its data and practice; with many centres, about 1 in 20 "
            "lies outside the 95%% limits by chance."
        )
        % {"min_centres": min_centres, "endpoints": endpoints, "covariates": covariates}
    )


def cell_therapy_methods(*, small: int) -> str:
    """How cell therapies other than autologous HSCT are described."""
    return cite(
        _(
            "Cell therapies other than autologous HSCT (CAR-T cells, mesenchymal stromal cells, regulatory "
            "T cells, allogeneic HSC, others) are not in the main analysis. Each product type is described "
            "on its own: every patient with an infusion of it, day 0 = the first such infusion, the same "
            "endpoint definitions and data cut-off. For CAR-T cells, cytokine release syndrome and ICANS "
            "are counted by each patient's worst grade, by the ASTCT consensus grading [@Lee2019]. With "
            "fewer than %(small)s patients the numbers are descriptive; no comparison is made."
        )
        % {"small": small}
    )


def landmark_methods(*, landmarks: str) -> str:
    """How survival by response is compared (remission.analysis.landmark)."""
    return cite(
        _(
            "Survival by response was compared by the landmark method [@Anderson1983] at %(landmarks)s "
            "after day 0: patients alive (OS) or alive without relapse or progression (PFS) and still "
            "followed at the landmark were grouped by the response known at it and followed from it "
            "(Kaplan-Meier, log-rank test), which avoids crediting responders with the time they had to "
            "survive to be assessed."
        )
        % {"landmarks": landmarks}
    )
