"""remission.clinical: the clinical knowledge, in pure Python (no Django, no database, no I/O).

==================  =========================================================================
module              what it holds
==================  =========================================================================
``diseases``        the indication catalogue: codes, ICD-10, subtypes, EBMT categories, instruments
``scores``          one module per instrument (mRSS, SLEDAI-2K, DAS28, CDAI/SDAI, JADAS, Crohn's
                    CDAI, HBI, EDSS, HAQ-DI, FVC/DLCO), each naming its source
``instruments``     the instrument registry the registry uses to validate and score assessments
``responses``       responses and events over a patient's dated series (CDP, NEDA-3, EULAR,
                    DORIS, LLDAS, ASSIST, Crohn's CDAI)
``hct_ci``          HCT-CI (Sorror 2005) and the HCT-CI/age variant
``dosing``          body size (BSA, IBW, AdjBW) and dosing policies that turn prescriptions into doses
``regimens``        the regimen catalogue and the versioned intensity rule
``eligibility``     rule sets per disease and guideline version, evaluated to a verdict
``screening``       one candidate: eligibility + HCT-CI + dose table (``remission screen``)
``settings_scores`` thresholds that are assumptions (◐) or that sources disagree on (⚠), as settings
==================  =========================================================================

Rules are data with a named source and version; missing inputs give "not computable" with the list
of what is missing, never a silent zero.
"""
