"""The registry's code lists, in one place and versioned.

Values are stable lowercase codes (stored in the database and exported); labels are for people.
Changing a code is a data migration; adding one bumps :data:`CODE_LIST_VERSION`.
Sources: the EBMT Registry's MED-A and MED-B forms and its Autoimmune Disorders data collection form
(disease status, cause of death, missing-value reasons "not evaluated" / "unknown"), and CTCAE v5 and the
ASTCT consensus (Lee et al., Biol Blood Marrow Transplant 2019;25:625) for adverse-event grades.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

CODE_LIST_VERSION = "2026.1"


class Role(models.TextChoices):
    CENTRE_DATA_MANAGER = "centre_data_manager", _("Centre data manager")
    CENTRE_CLINICIAN = "centre_clinician", _("Centre clinician")
    CENTRE_VIEWER = "centre_viewer", _("Centre viewer")
    REGISTRY_STATISTICIAN = "registry_statistician", _("Registry statistician")
    REGISTRY_DATA_COORDINATOR = "registry_data_coordinator", _("Registry data coordinator")
    REGISTRY_ADMINISTRATOR = "registry_administrator", _("Registry administrator")


CENTRE_ROLES = frozenset({Role.CENTRE_DATA_MANAGER, Role.CENTRE_CLINICIAN, Role.CENTRE_VIEWER})
REGISTRY_ROLES = frozenset(
    {Role.REGISTRY_STATISTICIAN, Role.REGISTRY_DATA_COORDINATOR, Role.REGISTRY_ADMINISTRATOR}
)


class MissingReason(models.TextChoices):
    """EBMT asks centres to say why an item is empty."""

    NOT_EVALUATED = "not_evaluated", _("Not evaluated")
    UNKNOWN = "unknown", _("Unknown")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    UNKNOWN = "unknown", _("Unknown")


class ConsentStatus(models.TextChoices):
    GIVEN = "given", _("Given")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    NOT_ASKED = "not_asked", _("Not yet asked")


class TherapyStopReason(models.TextChoices):
    INEFFICACY = "inefficacy", _("Inefficacy")
    TOXICITY = "toxicity", _("Toxicity")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class PerformanceScale(models.TextChoices):
    ECOG = "ecog", _("ECOG")
    KARNOFSKY = "karnofsky", _("Karnofsky")
    LANSKY = "lansky", _("Lansky")


class ProductType(models.TextChoices):
    AUTOLOGOUS_HSC = "auto_hsc", _("Autologous HSC")
    ALLOGENEIC_HSC = "allo_hsc", _("Allogeneic HSC")
    MSC = "msc", _("Mesenchymal stromal cells")
    TREG = "treg", _("Regulatory T cells")
    CAR_T = "car_t", _("CAR-T cells")
    OTHER = "other", _("Other cell therapy")


GENE_MODIFIED_PRODUCTS = frozenset({ProductType.CAR_T})


class ProductSource(models.TextChoices):
    PERIPHERAL_BLOOD = "pb", _("Peripheral blood")
    BONE_MARROW = "bm", _("Bone marrow")
    CORD_BLOOD = "uc", _("Umbilical cord")
    ADIPOSE = "adipose", _("Adipose tissue")
    OTHER = "other", _("Other")


class Manipulation(models.TextChoices):
    NONE = "none", _("None")
    CD34_SELECTION = "cd34_selection", _("CD34+ selection")
    T_CELL_DEPLETION = "t_cell_depletion", _("T-cell depletion")
    GENE_MODIFICATION = "gene_modification", _("Gene modification")
    EXPANSION = "expansion", _("Ex vivo expansion")
    OTHER = "other", _("Other")


class Serotherapy(models.TextChoices):
    NONE = "none", _("None")
    RABBIT_ATG = "ratg", _("Rabbit ATG")
    HORSE_ATG = "eatg", _("Horse ATG")
    ALEMTUZUMAB = "alemtuzumab", _("Alemtuzumab")
    OTHER = "other", _("Other")


class Intensity(models.TextChoices):
    HIGH = "high", _("High")
    INTERMEDIATE = "intermediate", _("Intermediate")
    LOW = "low", _("Low")
    UNKNOWN = "unknown", _("Unknown")


class DoseUnit(models.TextChoices):
    MG_PER_KG = "mg/kg", _("mg/kg")
    MG_PER_M2 = "mg/m2", _("mg/m²")
    G_PER_M2 = "g/m2", _("g/m²")
    MG = "mg", _("mg")
    G = "g", _("g")
    UG_PER_KG = "ug/kg", _("µg/kg")
    GY = "Gy", _("Gy")


class WeightBasis(models.TextChoices):
    ACTUAL = "actual", _("Actual body weight")
    IDEAL = "ideal", _("Ideal body weight")
    ADJUSTED = "adjusted", _("Adjusted body weight")
    LESSER_OF_IDEAL_AND_ACTUAL = "lesser_ideal_actual", _("Lesser of ideal and actual")
    BSA = "bsa", _("Body surface area")
    FIXED = "fixed", _("Fixed dose")


class AdverseEventCategory(models.TextChoices):
    INFECTION = "infection", _("Infection")
    ORGAN_TOXICITY = "organ_toxicity", _("Organ toxicity")
    CRS = "crs", _("Cytokine release syndrome")
    ICANS = "icans", _("ICANS")
    SECONDARY_AUTOIMMUNITY = "secondary_autoimmunity", _("Secondary autoimmune disease")
    MALIGNANCY = "malignancy", _("Malignancy")
    DISEASE_FLARE = "disease_flare", _("Flare of the autoimmune disease")
    OTHER = "other", _("Other")


class GradingSystem(models.TextChoices):
    CTCAE_V5 = "ctcae_v5", _("CTCAE v5.0")
    ASTCT = "astct", _("ASTCT consensus (CRS/ICANS)")


class Relatedness(models.TextChoices):
    UNRELATED = "unrelated", _("Unrelated")
    UNLIKELY = "unlikely", _("Unlikely")
    POSSIBLE = "possible", _("Possible")
    PROBABLE = "probable", _("Probable")
    DEFINITE = "definite", _("Definite")
    UNKNOWN = "unknown", _("Unknown")


class VitalStatus(models.TextChoices):
    ALIVE = "alive", _("Alive")
    DEAD = "dead", _("Dead")
    UNKNOWN = "unknown", _("Unknown")


class DiseaseStatus(models.TextChoices):
    """Disease status / response of the autoimmune disease (docs/architecture.md, "The data model")."""

    COMPLETE_RESPONSE = "complete_response", _("Complete response / remission")
    PARTIAL_RESPONSE = "partial_response", _("Partial response")
    STABLE = "stable", _("Stable disease")
    PROGRESSION = "progression", _("Progression")
    RELAPSE = "relapse", _("Relapse (after response)")
    NOT_EVALUATED = "not_evaluated", _("Not evaluated")
    UNKNOWN = "unknown", _("Unknown")


class OutcomeType(models.TextChoices):
    DEATH = "death", _("Death")
    RELAPSE = "relapse", _("Relapse")
    PROGRESSION = "progression", _("Progression")
    RESPONSE = "response", _("Response")
    SECONDARY_AUTOIMMUNE = "secondary_autoimmune", _("Secondary autoimmune disease")
    MALIGNANCY = "malignancy", _("Secondary malignancy")


class CauseOfDeath(models.TextChoices):
    """Treatment-related deaths without prior progression are non-relapse mortality."""

    DISEASE = "disease", _("Progression or persistence of the autoimmune disease")
    TRM_INFECTION = "trm_infection", _("Treatment-related: infection")
    TRM_ORGAN_TOXICITY = "trm_organ_toxicity", _("Treatment-related: organ toxicity")
    TRM_HAEMORRHAGE = "trm_haemorrhage", _("Treatment-related: haemorrhage")
    TRM_GRAFT_FAILURE = "trm_graft_failure", _("Treatment-related: graft failure")
    TRM_CRS_ICANS = "trm_crs_icans", _("Treatment-related: CRS/ICANS")
    TRM_OTHER = "trm_other", _("Treatment-related: other")
    SECONDARY_MALIGNANCY = "secondary_malignancy", _("Secondary malignancy")
    UNRELATED = "unrelated", _("Unrelated to disease or treatment")
    UNKNOWN = "unknown", _("Unknown")


TREATMENT_RELATED_DEATHS = frozenset(c for c in CauseOfDeath if c.value.startswith("trm_"))


class Analyte(models.TextChoices):
    """Immune-reconstitution laboratory analytes: lymphocyte subsets and markers followed after aHSCT ◐."""

    CD3 = "cd3", _("CD3+ T cells")
    CD4 = "cd4", _("CD4+ T cells")
    CD8 = "cd8", _("CD8+ T cells")
    CD4_NAIVE = "cd4_naive", _("Naive CD4+ (CD45RA+) T cells")
    CD19 = "cd19", _("CD19+ B cells")
    NK = "nk", _("NK cells (CD56+CD16+)")
    TREG_PCT = "treg_pct", _("Regulatory T cells (% of CD4+)")
    IGG = "igg", _("IgG")
    IGA = "iga", _("IgA")
    IGM = "igm", _("IgM")
    TREC = "trec", _("TRECs")
    LYMPHOCYTES = "lymphocytes", _("Lymphocytes")
    NEUTROPHILS = "neutrophils", _("Neutrophils")
    PLATELETS = "platelets", _("Platelets")


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

    SCREENING = "screening", _("Screening / work-up")
    BASELINE = "baseline", _("Baseline (before mobilisation)")
    DAY_100 = "d100", _("Day 100")
    MONTH_6 = "m6", _("6 months")
    YEAR_1 = "y1", _("1 year")
    YEAR_2 = "y2", _("2 years")
    YEAR_3 = "y3", _("3 years")
    YEAR_4 = "y4", _("4 years")
    YEAR_5 = "y5", _("5 years")
    LATER = "later", _("Later yearly follow-up")
    UNSCHEDULED = "unscheduled", _("Unscheduled")


class AuditAction(models.TextChoices):
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    DELETE = "delete", _("Delete")
    VIEW_IDENTIFIERS = "view_identifiers", _("View hospital identifiers")
    EXPORT = "export", _("Export")
    ANCHOR = "anchor", _("Audit chain anchored")  # remission audit anchor (registry/services/audit.py)
    RESTORE = "restore", _("Registry restored from a backup")  # remission restore (registry/backup.py)
    # accounts and sign-in (remission.registry.services.accounts)
    SIGN_IN = "sign_in", _("Sign-in")
    SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in")
    SIGN_IN_LOCKED = "sign_in_locked", _("Sign-in locked")
    SIGN_OUT = "sign_out", _("Sign-out")
    PASSWORD_CHANGE = "password_change", _("Password changed")
    PASSWORD_RESET = "password_reset", _("Password reset by an administrator")
    DEACTIVATE = "deactivate", _("Account deactivated")
    REACTIVATE = "reactivate", _("Account reactivated")
    OTP_ENROL = "otp_enrol", _("Second factor enrolled")
    OTP_RESET = "otp_reset", _("Second factor removed by an administrator")
    # data quality (remission.registry.services.queries, .timepoints; remission quality run)
    QUERY_RAISE = "query_raise", _("Query raised")
    QUERY_COMMENT = "query_comment", _("Query comment")
    QUERY_ANSWER = "query_answer", _("Query answered")
    QUERY_CLOSE = "query_close", _("Query closed")
    QUERY_REOPEN = "query_reopen", _("Query re-opened")
    TIME_POINT_LOCK = "time_point_lock", _("Time point signed off")
    TIME_POINT_UNLOCK = "time_point_unlock", _("Time point unlocked")
    TIME_POINT_WAIVE = "time_point_waive", _("Time point marked not required")
    QUALITY_RUN = "quality_run", _("Data-quality rules run")
    # prediction models (remission.registry.services.prediction_models; remission model fit)
    MODEL_FIT = "model_fit", _("Prediction models fitted and stored")


# --- data quality (registry/models/quality.py) ------------------------------------------------------


class TimePointStatus(models.TextChoices):
    """Where one expected follow-up form stands today (computed from its window, never stored)."""

    UPCOMING = "upcoming", _("Upcoming")  # its window has not opened
    DUE = "due", _("Due")  # inside its window, no form yet
    OVERDUE = "overdue", _("Overdue")  # window closed, no form
    RECEIVED = "received", _("Received")
    NOT_REQUIRED = "not_required", _("Not required")  # death, withdrawal, or waived with a reason


class QueryStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class Severity(models.TextChoices):
    """How much a data-quality finding matters; a rule has one, a query takes its rule's."""

    ERROR = "error", _("Error")  # the data are probably wrong
    WARNING = "warning", _("Warning")  # something expected is missing
    INFO = "info", _("Information")


class QueryEventKind(models.TextChoices):
    """One step of a query's thread (registry/models/quality.py: QueryEvent)."""

    RAISED = "raised", _("Raised")
    COMMENT = "comment", _("Comment")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Re-opened")


# Background computations of the outcomes page and report files (registry/models/jobs.py)
class JobKind(models.TextChoices):
    PAGE = "page", _("Outcomes page")
    REPORT = "report", _("Report download")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class JobStage(models.TextChoices):
    QUERY = "query", _("Reading the registry")
    DERIVATION = "derivation", _("Deriving endpoints and the cohort")
    MODELS = "models", _("Fitting the analyses")
    RENDERING = "rendering", _("Laying out the page or file")


class JobFormat(models.TextChoices):
    NONE = "", _("none (a page)")
    HTML = "html", _("HTML report")
    PDF = "pdf", _("PDF report")
    ZIP = "zip", _("tables (CSV, zip)")


JOB_UNFINISHED = (JobStatus.QUEUED, JobStatus.RUNNING)
