"""remission.survival: survival and competing-risks statistics on NumPy/SciPy.

Pure functions on arrays returning immutable result objects; numbers match R ``survival`` and ``cmprsk``.
No Django, no database, no I/O.
"""

# -- nonparametric exports (owned by the nonparametric part) --
from remission.survival.competing_risks import (
    AalenJohansenResult,
    GrayTestResult,
    aalen_johansen,
    gray_test,
)
from remission.survival.kaplan_meier import (
    KaplanMeierResult,
    NelsonAalenResult,
    kaplan_meier,
    nelson_aalen,
)
from remission.survival.logrank import LogrankResult, logrank_test
from remission.survival.rmst import PseudoValues, RmstResult, pseudo_values, rmst
from remission.survival.validation import SurvivalInputError

# -- regression exports (owned by the regression part) --
# isort: split
from remission.survival.cox import Concordance, CoxResult, concordance_index, cox
from remission.survival.design import design_matrix
from remission.survival.fine_gray import FineGrayResult, fine_gray
from remission.survival.regression_checks import ConvergenceWarning
from remission.survival.regression_results import ChiSquareTest

__all__ = [
    "AalenJohansenResult",
    "GrayTestResult",
    "KaplanMeierResult",
    "LogrankResult",
    "NelsonAalenResult",
    "PseudoValues",
    "RmstResult",
    "SurvivalInputError",
    "aalen_johansen",
    "gray_test",
    "kaplan_meier",
    "logrank_test",
    "nelson_aalen",
    "pseudo_values",
    "rmst",
]
__all__ += [  # regression
    "ChiSquareTest",
    "Concordance",
    "ConvergenceWarning",
    "CoxResult",
    "FineGrayResult",
    "concordance_index",
    "cox",
    "design_matrix",
    "fine_gray",
]
