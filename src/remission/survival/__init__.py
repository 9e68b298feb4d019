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
from remission.survival.proportional_hazards import ProportionalHazardsTest, proportional_hazards_test
from remission.survival.regression_checks import ConvergenceWarning
from remission.survival.regression_results import ChiSquareTest

# -- propensity exports (owned by the propensity part) --
# isort: split
from remission.survival.balance import balance_table, weighted_means_by_group
from remission.survival.matching import Matching, nearest_neighbour_match
from remission.survival.propensity import PropensityModel, Weights, balancing_weights, propensity_score

# -- multi-state exports (owned by the multi-state part) --
# isort: split
from remission.survival.multistate import MultistateResult, multistate

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
    "ProportionalHazardsTest",
    "concordance_index",
    "cox",
    "design_matrix",
    "fine_gray",
    "proportional_hazards_test",
]
__all__ += [  # propensity
    "Matching",
    "PropensityModel",
    "Weights",
    "balance_table",
    "balancing_weights",
    "nearest_neighbour_match",
    "propensity_score",
    "weighted_means_by_group",
]
__all__ += [  # multi-state
    "MultistateResult",
    "multistate",
]
