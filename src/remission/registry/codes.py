"""The registry's code lists, in one place and versioned.

Values are stable lowercase codes (stored in the database and exported); labels are for people.
Changing a code is a data migration; adding one bumps :data:`CODE_LIST_VERSION`.
Sources: the EBMT Registry's MED-A and MED-B forms and its Autoimmune Disorders data collection form
(disease status, cause of death, missing-value reasons "not evaluated" / "unknown"), and CTCAE v5 and the
ASTCT consensus (Lee et al., Biol Blood Marrow Transplant 2019;25:625) for adverse-event grades.
"""

from __future__ import annotations

from django.db import models

CODE_LIST_VERSION = "2026.1"


class Role(models.TextChoices):
    CENTRE_DATA_MANAGER = "centre_data_manager", "Centre data manager"
    CENTRE_CLINICIAN = "centre_clinician", "Centre clinician"
    CENTRE_VIEWER = "centre_viewer", "Centre viewer"
    REGISTRY_STATISTICIAN = "registry_statistician", "Registry statistician"
    REGISTRY_DATA_COORDINATOR = "registry_data_coordinator", "Registry data coordinator"
    REGISTRY_ADMINISTRATOR = "registry_administrator", "Registry administrator"


CENTRE_ROLES = frozenset({Role.CENTRE_DATA_MANAGER, Role.CENTRE_CLINICIAN, Role.CENTRE_VIEWER})
REGISTRY_ROLES = frozenset(
    {Role.REGISTRY_STATISTICIAN, Role.REGISTRY_DATA_COORDINATOR, Role.REGISTRY_ADMINISTRATOR}
)


class MissingReason(models.TextChoices):
    """EBMT asks centres to say why an item is empty."""

    NOT_EVALUATED = "not_evaluated", "Not evaluated"
    UNKNOWN = "unknown", "Unknown"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    UNKNOWN = "unknown", "Unknown"


class ConsentStatus(models.TextChoices):
    GIVEN = "given", "Given"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn"
    NOT_ASKED = "not_asked", "Not yet asked"


class TherapyStopReason(models.TextChoices):
    INEFFICACY = "inefficacy", "Inefficacy"
    TOXICITY = "toxicity", "Toxicity"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Unknown"


class PerformanceScale(models.TextChoices):
    ECOG = "ecog", "ECOG"
    KARNOFSKY = "karnofsky", "Karnofsky"
    LANSKY = "lansky", "Lansky"


class ProductType(models.TextChoices):
    AUTOLOGOUS_HSC = "auto_hsc", "Autologous HSC"
    ALLOGENEIC_HSC = "allo_hsc", "Allogeneic HSC"
    MSC = "msc", "Mesenchymal stromal cells"
    TREG = "treg", "Regulatory T cells"
    CAR_T = "car_t", "CAR-T cells"
    OTHER = "other", "Other cell therapy"


GENE_MODIFIED_PRODUCTS = frozenset({ProductType.CAR_T})


class ProductSource(models.TextChoices):
    PERIPHERAL_BLOOD = "pb", "Peripheral blood"
    BONE_MARROW = "bm", "Bone marrow"
    CORD_BLOOD = "uc", "Umbilical cord"
    ADIPOSE = "adipose", "Adipose tissue"
    OTHER = "other", "Other"


class Manipulation(models.TextChoices):
    NONE = "none", "None"
    CD34_SELECTION = "cd34_selection", "CD34+ selection"
    T_CELL_DEPLETION = "t_cell_depletion", "T-cell depletion"
    GENE_MODIFICATION = "gene_modification", "Gene modification"
    EXPANSION = "expansion", "Ex vivo expansion"
    OTHER = "other", "Other"


class Serotherapy(models.TextChoices):
    NONE = "none", "None"
    RABBIT_ATG = "ratg", "Rabbit ATG"
    HORSE_ATG = "eatg", "Horse ATG"
    ALEMTUZUMAB = "alemtuzumab", "Alemtuzumab"
    OTHER = "other", "Other"


class Intensity(models.TextChoices):
    HIGH = "high", "High"
    INTERMEDIATE = "intermediate", "Intermediate"
    LOW = "low", "Low"
    UNKNOWN = "unknown", "Unknown"


class DoseUnit(models.TextChoices):
    MG_PER_KG = "mg/kg", "mg/kg"
    MG_PER_M2 = "mg/m2", "mg/m²"
    G_PER_M2 = "g/m2", "g/m²"
    MG = "mg", "mg"
    G = "g", "g"
    UG_PER_KG = "ug/kg", "µg/kg"
    GY = "Gy", "Gy"


class WeightBasis(models.TextChoices):
    ACTUAL = "actual", "Actual body weight"
    IDEAL = "ideal", "Ideal body weight"
    ADJUSTED = "adjusted", "Adjusted body weight"
    LESSER_OF_IDEAL_AND_ACTUAL = "lesser_ideal_actual", "Lesser of ideal and actual"
    BSA = "bsa", "Body surface area"
    FIXED = "fixed", "Fixed dose"


class AdverseEventCategory(models.TextChoices):
    INFECTION = "infection", "Infection"
    ORGAN_TOXICITY = "organ_toxicity", "Organ toxicity"
    CRS = "crs", "Cytokine release syndrome"
    ICANS = "icans", "ICANS"
    SECONDARY_AUTOIMMUNITY = "secondary_autoimmunity", "Secondary autoimmune disease"
    MALIGNANCY = "malignancy", "Malignancy"
    DISEASE_FLARE = "disease_flare", "Flare of the autoimmune disease"
    OTHER = "other", "Other"


class GradingSystem(models.TextChoices):
    CTCAE_V5 = "ctcae_v5", "CTCAE v5.0"
    ASTCT = "astct", "ASTCT consensus (CRS/ICANS)"


class Relatedness(models.TextChoices):
    UNRELATED = "unrelated", "Unrelated"
    UNLIKELY = "unlikely", "Unlikely"
    POSSIBLE = "possible", "Possible"
    PROBABLE = "probable", "Probable"
    DEFINITE = "definite", "Definite"
    UNKNOWN = "unknown", "Unknown"


class VitalStatus(models.TextChoices):
    ALIVE = "alive", "Alive"
    DEAD = "dead", "Dead"
    UNKNOWN = "unknown", "Unknown"


class DiseaseStatus(models.TextChoices):
    """Disease status / response of the autoimmune disease (docs/architecture.md, "The data model")."""

    COMPLETE_RESPONSE = "complete_response", "Complete response / remission"
    PARTIAL_RESPONSE = "partial_response", "Partial response"
    STABLE = "stable", "Stable disease"
    PROGRESSION = "progression", "Progression"
    RELAPSE = "relapse", "Relapse (after response)"
    NOT_EVALUATED = "not_evaluated", "Not evaluated"
    UNKNOWN = "unknown", "Unknown"


class OutcomeType(models.TextChoices):
    DEATH = "death", "Death"
    RELAPSE = "relapse", "Relapse"
    PROGRESSION = "progression", "Progression"
    RESPONSE = "response", "Response"
    SECONDARY_AUTOIMMUNE = "secondary_autoimmune", "Secondary autoimmune disease"
    MALIGNANCY = "malignancy", "Secondary malignancy"


class CauseOfDeath(models.TextChoices):
    """Treatment-related deaths without prior progression are non-relapse mortality."""

    DISEASE = "disease", "Progression or persistence of the autoimmune disease"
    TRM_INFECTION = "trm_infection", "Treatment-related: infection"
    TRM_ORGAN_TOXICITY = "trm_organ_toxicity", "Treatment-related: organ toxicity"
    TRM_HAEMORRHAGE = "trm_haemorrhage", "Treatment-related: haemorrhage"
    TRM_GRAFT_FAILURE = "trm_graft_failure", "Treatment-related: graft failure"
    TRM_CRS_ICANS = "trm_crs_icans", "Treatment-related: CRS/ICANS"
    TRM_OTHER = "trm_other", "Treatment-related: other"
    SECONDARY_MALIGNANCY = "secondary_malignancy", "Secondary malignancy"
    UNRELATED = "unrelated", "Unrelated to disease or treatment"
    UNKNOWN = "unknown", "Unknown"


TREATMENT_RELATED_DEATHS = frozenset(c for c in CauseOfDeath if c.value.startswith("trm_"))


class Analyte(models.TextChoices):
    """Immune-reconstitution laboratory analytes: lymphocyte subsets and markers followed after aHSCT ◐."""

    CD3 = "cd3", "CD3+ T cells"
    CD4 = "cd4", "CD4+ T cells"
    CD8 = "cd8", "CD8+ T cells"
    CD4_NAIVE = "cd4_naive", "Naive CD4+ (CD45RA+) T cells"
    CD19 = "cd19", "CD19+ B cells"
    NK = "nk", "NK cells (CD56+CD16+)"
    TREG_PCT = "treg_pct", "Regulatory T cells (% of CD4+)"
    IGG = "igg", "IgG"
    IGA = "iga", "IgA"
    IGM = "igm", "IgM"
    TREC = "trec", "TRECs"
    LYMPHOCYTES = "lymphocytes", "Lymphocytes"
    NEUTROPHILS = "neutrophils", "Neutrophils"
    PLATELETS = "platelets", "Platelets"


# Units accepted for each analyte, with the plausible range in that unit (inclusive).
# Ranges are wide on purpose: they catch unit mix-ups (cells/µL entered as ×10^9/L), not disease.
ANALYTE_UNITS: dict[str, dict[str, tuple[float, float]]] = {
    Analyte.CD3: {"cells/uL": (0, 20000), "10^9/L": (0, 20)},
    Analyte.CD4: {"cells/uL": (0, 10000), "10^9/L": (0, 10)},
    Analyte.CD8: {"cells/uL": (0, 10000), "10^9/L": (0, 10)},
    Analyte.CD4_NAIVE: {"cells/uL": (0, 5000), "10^9/L": (0, 5), "%": (0, 100)},
    Analyte.CD19: {"cells/uL": (0, 10000), "10^9/L": (0, 10)},
    Analyte.NK: {"cells/uL": (0, 10000), "10^9/L": (0, 10)},
    Analyte.TREG_PCT: {"%": (0, 100)},
    Analyte.IGG: {"g/L": (0, 60), "mg/dL": (0, 6000)},
    Analyte.IGA: {"g/L": (0, 30), "mg/dL": (0, 3000)},
    Analyte.IGM: {"g/L": (0, 30), "mg/dL": (0, 3000)},
    Analyte.TREC: {"copies/ug DNA": (0, 1e6), "copies/mL": (0, 1e7)},
    Analyte.LYMPHOCYTES: {"cells/uL": (0, 100000), "10^9/L": (0, 100)},
    Analyte.NEUTROPHILS: {"cells/uL": (0, 100000), "10^9/L": (0, 100)},
    Analyte.PLATELETS: {"10^9/L": (0, 2000)},
}


class Timepoint(models.TextChoices):
    """Registry follow-up timepoints relative to day 0 (EBMT/CIBMTR: day 100, 6 months, yearly)."""

    SCREENING = "screening", "Screening / work-up"
    BASELINE = "baseline", "Baseline (before mobilisation)"
    DAY_100 = "d100", "Day 100"
    MONTH_6 = "m6", "6 months"
    YEAR_1 = "y1", "1 year"
    YEAR_2 = "y2", "2 years"
    YEAR_3 = "y3", "3 years"
    YEAR_4 = "y4", "4 years"
    YEAR_5 = "y5", "5 years"
    LATER = "later", "Later yearly follow-up"
    UNSCHEDULED = "unscheduled", "Unscheduled"


class AuditAction(models.TextChoices):
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"
    VIEW_IDENTIFIERS = "view_identifiers", "View hospital identifiers"
    EXPORT = "export", "Export"
    ANCHOR = "anchor", "Audit chain anchored"  # remission audit anchor (registry/services/audit.py)
    RESTORE = "restore", "Registry restored from a backup"  # remission restore (registry/backup.py)
    # accounts and sign-in (remission.registry.services.accounts)
    SIGN_IN = "sign_in", "Sign-in"
    SIGN_IN_FAILED = "sign_in_failed", "Failed sign-in"
    SIGN_IN_LOCKED = "sign_in_locked", "Sign-in locked"
    SIGN_OUT = "sign_out", "Sign-out"
    PASSWORD_CHANGE = "password_change", "Password changed"
    PASSWORD_RESET = "password_reset", "Password reset by an administrator"
    DEACTIVATE = "deactivate", "Account deactivated"
    REACTIVATE = "reactivate", "Account reactivated"
    OTP_ENROL = "otp_enrol", "Second factor enrolled"
    OTP_RESET = "otp_reset", "Second factor removed by an administrator"
    # data quality (remission.registry.services.queries, .timepoints; remission quality run)
    QUERY_RAISE = "query_raise", "Query raised"
    QUERY_COMMENT = "query_comment", "Query comment"
    QUERY_ANSWER = "query_answer", "Query answered"
    QUERY_CLOSE = "query_close", "Query closed"
    QUERY_REOPEN = "query_reopen", "Query re-opened"
    TIME_POINT_LOCK = "time_point_lock", "Time point signed off"
    TIME_POINT_UNLOCK = "time_point_unlock", "Time point unlocked"
    TIME_POINT_WAIVE = "time_point_waive", "Time point marked not required"
    QUALITY_RUN = "quality_run", "Data-quality rules run"
    # prediction models (remission.registry.services.prediction_models; remission model fit)
    MODEL_FIT = "model_fit", "Prediction models fitted and stored"


# --- data quality (registry/models/quality.py) ------------------------------------------------------


class TimePointStatus(models.TextChoices):
    """Where one expected follow-up form stands today (computed from its window, never stored)."""

    UPCOMING = "upcoming", "Upcoming"  # its window has not opened
    DUE = "due", "Due"  # inside its window, no form yet
    OVERDUE = "overdue", "Overdue"  # window closed, no form
    RECEIVED = "received", "Received"
    NOT_REQUIRED = "not_required", "Not required"  # death, withdrawal, or waived with a reason


class QueryStatus(models.TextChoices):
    OPEN = "open", "Open"
    ANSWERED = "answered", "Answered"
    CLOSED = "closed", "Closed"


class Severity(models.TextChoices):
    """How much a data-quality finding matters; a rule has one, a query takes its rule's."""

    ERROR = "error", "Error"  # the data are probably wrong
    WARNING = "warning", "Warning"  # something expected is missing
    INFO = "info", "Information"


class QueryEventKind(models.TextChoices):
    """One step of a query's thread (registry/models/quality.py: QueryEvent)."""

    RAISED = "raised", "Raised"
    COMMENT = "comment", "Comment"
    ANSWERED = "answered", "Answered"
    CLOSED = "closed", "Closed"
    REOPENED = "reopened", "Re-opened"


# Background computations of the outcomes page and report files (registry/models/jobs.py)
class JobKind(models.TextChoices):
    PAGE = "page", "Outcomes page"
    REPORT = "report", "Report download"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class JobStage(models.TextChoices):
    QUERY = "query", "Reading the registry"
    DERIVATION = "derivation", "Deriving endpoints and the cohort"
    MODELS = "models", "Fitting the analyses"
    RENDERING = "rendering", "Laying out the page or file"


class JobFormat(models.TextChoices):
    NONE = "", "none (a page)"
    HTML = "html", "HTML report"
    PDF = "pdf", "PDF report"
    ZIP = "zip", "tables (CSV, zip)"


JOB_UNFINISHED = (JobStatus.QUEUED, JobStatus.RUNNING)
