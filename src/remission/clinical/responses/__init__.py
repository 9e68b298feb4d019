"""Response and event definitions over time, one module per definition.

Each function takes dated values (:class:`Measurement`, relapse dates, MRI scans, SLE assessments) and
returns a :class:`ResponseResult` with ``decision``, ``evidence`` (date/value pairs used) and ``reason``.
"""

from remission.clinical.responses._common import NOT_COMPUTABLE, Evidence, Measurement, ResponseResult
from remission.clinical.responses._sle import SleAssessment
from remission.clinical.responses.assist import assist_response
from remission.clinical.responses.cdp import confirmed_disability_progression
from remission.clinical.responses.crohn_cdai import cdai_remission, cdai_response
from remission.clinical.responses.doris import doris_remission
from remission.clinical.responses.eular import eular_response
from remission.clinical.responses.lldas import lldas
from remission.clinical.responses.neda import MriScan, neda3

__all__ = [
    "NOT_COMPUTABLE",
    "Evidence",
    "Measurement",
    "MriScan",
    "ResponseResult",
    "SleAssessment",
    "assist_response",
    "cdai_remission",
    "cdai_response",
    "confirmed_disability_progression",
    "doris_remission",
    "eular_response",
    "lldas",
    "neda3",
]
