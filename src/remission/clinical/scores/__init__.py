"""Disease-activity scores, one module per instrument; every function returns a :class:`ScoreResult`."""

from remission.clinical.scores._common import (
    NOT_A_BOOLEAN,
    NOT_A_NUMBER,
    NOT_AN_ALLOWED_CHOICE,
    NOT_AN_ALLOWED_STEP,
    NOT_AN_INTEGER,
    OUT_OF_RANGE,
    UNKNOWN_ITEM,
    ItemKind,
    ItemSpec,
    ScoreInputError,
    ScoreResult,
)
from remission.clinical.scores.cdai_crohn_best1976 import cdai_crohn, cdai_crohn_items
from remission.clinical.scores.das28 import das28_category, das28_crp, das28_esr
from remission.clinical.scores.edss_kurtzke1983 import edss
from remission.clinical.scores.haq_di_fries1980 import haq_di
from remission.clinical.scores.hbi_harvey1980 import hbi
from remission.clinical.scores.jadas_consolaro2009 import jadas, normalised_esr
from remission.clinical.scores.lung_function import dlco_pct, fvc_pct
from remission.clinical.scores.mrss_clements1995 import mrss
from remission.clinical.scores.ra_indices import cdai_ra, sdai
from remission.clinical.scores.sledai2k_gladman2002 import sledai2k

__all__ = [
    "NOT_AN_ALLOWED_CHOICE",
    "NOT_AN_ALLOWED_STEP",
    "NOT_AN_INTEGER",
    "NOT_A_BOOLEAN",
    "NOT_A_NUMBER",
    "OUT_OF_RANGE",
    "UNKNOWN_ITEM",
    "ItemKind",
    "ItemSpec",
    "ScoreInputError",
    "ScoreResult",
    "cdai_crohn",
    "cdai_crohn_items",
    "cdai_ra",
    "das28_category",
    "das28_crp",
    "das28_esr",
    "dlco_pct",
    "edss",
    "fvc_pct",
    "haq_di",
    "hbi",
    "jadas",
    "mrss",
    "normalised_esr",
    "sdai",
    "sledai2k",
]
