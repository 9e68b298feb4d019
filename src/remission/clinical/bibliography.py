"""The bibliography: every source a clinical rule, score, regimen, calibration target or method cites.

Code, docstrings and docs cite a source by key, with the place in it that was read::

    SOURCE = "[@Sorror2005, Table 1]"

The key names an entry below (first author and year, a letter when one author has two papers in a
year); the locator after the comma says where the figure is: a table, a page, the abstract. The
bibliography is rendered to ``docs/sources.md`` (``python3 scripts/render_sources.py``); a test fails
when a cited key is not here, when an entry has neither DOI nor PMID, when an entry is cited nowhere,
and when ``docs/sources.md`` is not the rendering of this module.

The marks next to a figure mean (the same everywhere in the project):

* ✔ — checked against the cited source at the place the citation names;
* ◐ — an assumption or a convention not taken from a named table: a default, and a setting;
* ⚠ — the sources disagree: a setting, each choice cited.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

# A key is a first author's name and a year, with a letter when one author has two papers in a year.
KEY = r"[A-Za-z][A-Za-z-]*[0-9]{4}[a-z]?"
CITATION = re.compile(rf"\[@({KEY})(?:,\s*([^\]]*))?\]")
DOI = re.compile(r"^10\.\d{4,9}/\S+$")
PMID = re.compile(r"^[1-9][0-9]{0,8}$")


@dataclass(frozen=True, slots=True)
class Source:
    """One published source: a journal article, a book or a guideline, with its identifiers.

    ``authors`` as printed in the reference ("Sullivan KM, Goldmuntz EA, Keyes-Elstein L, et al.");
    ``container`` the journal (abbreviated as in PubMed) or the publisher of a book; ``note`` what the
    project uses it for when the title does not say (a trial's acronym, "read via PMC…").
    """

    key: str
    authors: str
    title: str
    container: str
    year: int
    volume: str = ""
    pages: str = ""
    doi: str = ""
    pmid: str = ""
    note: str = ""

    def reference(self) -> str:
        """The full reference in Vancouver style, with DOI and PMID."""
        where = f"{self.container} {self.year}"
        if self.volume:
            where += f";{self.volume}"
        if self.pages:
            where += f":{self.pages}"
        ids = ([f"doi:{self.doi}"] if self.doi else []) + ([f"PMID {self.pmid}"] if self.pmid else [])
        tail = f" {'; '.join(ids)}." if ids else ""
        return f"{self.authors} {self.title}. {where}.{tail}"


# One section per part of the project; an entry is listed once, in the section that first cited it.
# fmt: off
SOURCES: tuple[Source, ...] = (
    # --- section A: indications, eligibility, HCT-CI, lung function -----------------------------------
    Source(
        "Alexander2025",
        "Alexander T, Roldan E, Del Papa N, et al.",
        "Autologous haematopoietic stem cell transplantation for rheumatic diseases: best practice "
        "recommendations from the EBMT Practice Harmonization and Guidelines Committee",
        "Bone Marrow Transplant", 2025, "", "", "10.1038/s41409-025-02695-y", "40830237",
        "EBMT 2025 recommendations; Table 2 general criteria, Table 5 systemic sclerosis",
    ),
    Source(
        "Farge2017",
        "Farge D, et al.",
        "Cardiopulmonary assessment of patients with systemic sclerosis for hematopoietic stem cell "
        "transplantation: recommendations from the European Society for Blood and Marrow Transplantation "
        "Autoimmune Diseases Working Party and collaborating partners",
        "Bone Marrow Transplant", 2017, "52", "1495-503", "10.1038/bmt.2017.56", "28530671",
        "abstract read; its thresholds were read via the comparison in Penglase 2023, Table 3",
    ),
    Source(
        "Penglase2023",
        "Penglase R, et al.",
        "Cardiotoxicity in autologous haematopoietic stem cell transplantation for systemic sclerosis",
        "J Scleroderma Relat Disord", 2023, "8", "87-100", "10.1177/23971983221145639", "37287946",
        "review (PMC10242691); Table 3 sets the EBMT cardiac exclusions beside ASSIST, ASTIS and SCOT",
    ),
    Source(
        "Sharrack2020",
        "Sharrack B, Saccardi R, Alexander T, et al.",
        "Autologous haematopoietic stem cell transplantation and other cellular therapy in multiple "
        "sclerosis and immune-mediated neurological diseases: updated guidelines and recommendations from "
        "the EBMT Autoimmune Diseases Working Party (ADWP) and the Joint Accreditation Committee of EBMT and "
        "ISCT (JACIE)",
        "Bone Marrow Transplant", 2020, "55", "283-306", "10.1038/s41409-019-0684-0", "31558790",
    ),
    Source(
        "Snowden2012",
        "Snowden JA, Saccardi R, Allez M, et al.",
        "Haematopoietic SCT in severe autoimmune diseases: updated guidelines of the European Group for "
        "Blood and Marrow Transplantation",
        "Bone Marrow Transplant", 2012, "47", "770-90", "10.1038/bmt.2011.185", "22002489",
        "Table 2: EBMT indication categories",
    ),
    Source(
        "Snowden2022",
        "Snowden JA, Sánchez-Ortega I, Corbacioglu S, et al.",
        "Indications for haematopoietic cell transplantation for haematological diseases, solid tumours and "
        "immune disorders: current practice in Europe, 2022",
        "Bone Marrow Transplant", 2022, "", "", "10.1038/s41409-022-01691-w", "",
        "later EBMT indication report; its autoimmune categories were not read",
    ),
    Source(
        "Sorror2005",
        "Sorror ML, Maris MB, Storb R, et al.",
        "Hematopoietic cell transplantation (HCT)-specific comorbidity index: a new tool for risk assessment "
        "before allogeneic HCT",
        "Blood", 2005, "106", "2912-9", "10.1182/blood-2005-05-2004", "15994282", "HCT-CI",
    ),
    Source(
        "Sorror2014",
        "Sorror ML, Storb RF, Sandmaier BM, et al.",
        "Comorbidity-age index: a clinical measure of biologic age before allogeneic hematopoietic cell "
        "transplantation",
        "J Clin Oncol", 2014, "32", "3249-56", "10.1200/JCO.2013.53.8157", "25154831", "HCT-CI/age",
    ),
    Source(
        "Sorror2015",
        "Sorror ML, Logan BR, Zhu X, et al.",
        "Prospective validation of the predictive power of the hematopoietic cell transplantation "
        "comorbidity index: a CIBMTR study",
        "Biol Blood Marrow Transplant", 2015, "21", "1479-87", "10.1016/j.bbmt.2015.04.004", "25862591",
        "HCT-CI validated in allogeneic and autologous HCT",
    ),
    Source(
        "Walker2018",
        "Walker UA, Saketkoo LA, Distler O.",
        "Haematopoietic stem cell transplantation in systemic sclerosis",
        "RMD Open", 2018, "4", "e000533", "10.1136/rmdopen-2017-000533", "",
        "review; Table 1 compares the ASSIST, ASTIS and SCOT selection criteria",
    ),
    # end of section A
    # --- section B: regimens, mobilisation, dosing --------------------------------------------------
    # Not listed (no page giving a DOI or PMID could be read), cited in plain text meanwhile: Nash 2007
    # (Blood 110:1388), van Laar 2014 (ASTIS), Burt 2011 (ASSIST), Burt 2006 (SLE), Mancardi 2015
    # (ASTIMS), Burt 2009 (Lancet Neurol), Bubalo 2014 (ASBMT obesity dosing), Mosteller 1987,
    # Du Bois 1916, Devine 1974, Bone Marrow Transplant 2001;28:1 (mobilisation survey); and the
    # ClinicalTrials.gov records NCT00114530 (SCOT) and NCT01445821 (ASSIST-IIb), which have neither.
    Source(
        "Burt2010",
        "Burt RK, Craig RM, Milanetti F, et al.",
        "Autologous nonmyeloablative hematopoietic stem cell transplantation in patients with severe "
        "anti-TNF refractory Crohn disease: long-term follow-up",
        "Blood", 2010, "116", "6123-32", "10.1182/blood-2010-06-292391", "",
    ),
    Source(
        "Burt2019",
        "Burt RK, Balabanov R, Burman J, et al.",
        "Effect of nonmyeloablative hematopoietic stem cell transplantation vs continued disease-modifying "
        "therapy on disease progression in patients with relapsing-remitting multiple sclerosis: a "
        "randomized clinical trial",
        "JAMA", 2019, "321", "165-74", "10.1001/jama.2018.18743", "30644983", "MIST",
    ),
    Source(
        "Pasquini2010",
        "Pasquini MC, Griffith LM, Arnold DL, et al.",
        "Hematopoietic stem cell transplantation for multiple sclerosis: collaboration of the CIBMTR and "
        "EBMT to facilitate international clinical studies",
        "Biol Blood Marrow Transplant", 2010, "16", "1076-83", "10.1016/j.bbmt.2010.03.012", "20304084",
    ),
    Source(
        "Saccardi2012",
        "Saccardi R, Freedman MS, Sormani MP, et al.",
        "A prospective, randomized, controlled trial of autologous haematopoietic stem cell "
        "transplantation for aggressive multiple sclerosis: a position paper",
        "Mult Scler", 2012, "18", "825-34", "10.1177/1352458512438454", "",
    ),
    Source(
        "ShemTov2015",
        "Shem-Tov N, et al.",
        "Chemotherapy dose adjustment for obese patients undergoing hematopoietic stem cell "
        "transplantation: a survey on behalf of the Acute Leukemia Working Party of the European Society "
        "for Blood and Marrow Transplantation",
        "Oncologist", 2015, "", "", "10.1634/theoncologist.2014-0187", "25480827",
    ),
    Source(
        "Sullivan2018",
        "Sullivan KM, Goldmuntz EA, Keyes-Elstein L, et al.",
        "Myeloablative autologous stem-cell transplantation for severe scleroderma",
        "N Engl J Med", 2018, "378", "35-47", "10.1056/NEJMoa1703327", "", "SCOT",
    ),
    Source(
        "Vonk2008",
        "Vonk MC, et al.",
        "Long-term follow-up results after autologous haematopoietic stem cell transplantation for severe "
        "systemic sclerosis",
        "Ann Rheum Dis", 2008, "67", "98-104", "", "17526554", "author list not read: first author recalled",
    ),
    # end of section B
    # --- section C: scores and responses ------------------------------------------------------------
    Source(
        "Aletaha2005",
        "Aletaha D, Nell VPK, Stamm T, et al.",
        "Acute phase reactants add little to composite disease activity indices for rheumatoid arthritis: "
        "validation of a clinical activity score",
        "Arthritis Res Ther", 2005, "7", "R796-806", "10.1186/ar1740", "", "CDAI",
    ),
    Source(
        "Best1976",
        "Best WR, Becktel JM, Singleton JW, et al.",
        "Development of a Crohn's disease activity index. National Cooperative Crohn's Disease Study",
        "Gastroenterology", 1976, "70", "439-44", "", "1248701", "Crohn's CDAI",
    ),
    Source(
        "Bruce2003",
        "Bruce B, Fries JF.",
        "The Stanford Health Assessment Questionnaire: dimensions and practical applications",
        "Health Qual Life Outcomes", 2003, "1", "20", "10.1186/1477-7525-1-20", "12831398", "HAQ-DI",
    ),
    Source(
        "Clements1995",
        "Clements P, Lachenbruch P, Siebold J, et al.",
        "Inter and intraobserver variability of total skin thickness score (modified Rodnan TSS) in "
        "systemic sclerosis",
        "J Rheumatol", 1995, "22", "1281-5", "", "7562759", "mRSS",
    ),
    Source(
        "Consolaro2009",
        "Consolaro A, Ruperto N, Bazso A, et al.",
        "Development and validation of a composite disease activity score for juvenile idiopathic arthritis",
        "Arthritis Rheum", 2009, "61", "658-66", "10.1002/art.24516", "19405003", "JADAS",
    ),
    Source(
        "Franklyn2016",
        "Franklyn K, Lau CS, Navarra SV, et al.",
        "Definition and initial validation of a Lupus Low Disease Activity State (LLDAS)",
        "Ann Rheum Dis", 2016, "75", "1615-21", "10.1136/annrheumdis-2015-207726", "", "LLDAS",
    ),
    Source(
        "Fries1980",
        "Fries JF, Spitz P, Kraines RG, et al.",
        "Measurement of patient outcome in arthritis",
        "Arthritis Rheum", 1980, "23", "137-45", "10.1002/art.1780230202", "7362664", "HAQ",
    ),
    Source(
        "Gladman2002",
        "Gladman DD, Ibañez D, Urowitz MB.",
        "Systemic lupus erythematosus disease activity index 2000",
        "J Rheumatol", 2002, "29", "288-91", "", "11838846", "SLEDAI-2K",
    ),
    Source(
        "Graham2019",
        "Graham BL, Steenbruggen I, Miller MR, et al.",
        "Standardization of spirometry 2019 update. An official American Thoracic Society and European "
        "Respiratory Society technical statement",
        "Am J Respir Crit Care Med", 2019, "200", "e70-88", "10.1164/rccm.201908-1590ST", "31613151",
        "ATS/ERS spirometry standard",
    ),
    Source(
        "Harvey1980",
        "Harvey RF, Bradshaw JM.",
        "A simple index of Crohn's-disease activity",
        "Lancet", 1980, "1", "514", "10.1016/s0140-6736(80)92767-1", "", "Harvey-Bradshaw index",
    ),
    Source(
        "Inoue2007",
        "Inoue E, Yamanaka H, Hara M, et al.",
        "Comparison of Disease Activity Score (DAS)28-erythrocyte sedimentation rate and DAS28-C-reactive "
        "protein threshold values",
        "Ann Rheum Dis", 2007, "66", "407-9", "10.1136/ard.2006.054205", "", "DAS28-CRP cut-offs",
    ),
    Source(
        "Kurtzke1983",
        "Kurtzke JF.",
        "Rating neurologic impairment in multiple sclerosis: an expanded disability status scale (EDSS)",
        "Neurology", 1983, "33", "1444-52", "10.1212/wnl.33.11.1444", "6685237", "EDSS",
    ),
    Source(
        "MecaLallana2021",
        "Meca-Lallana V, Berenguer-Ruiz L, Carreres-Polo J, et al.",
        "Deciphering multiple sclerosis progression",
        "Front Neurol", 2021, "12", "608491", "10.3389/fneur.2021.608491", "33897583",
        "EDSS progression thresholds by baseline (review)",
    ),
    Source(
        "Muraro2017",
        "Muraro PA, et al.",
        "Long-term outcomes after autologous hematopoietic stem cell transplantation for multiple sclerosis",
        "JAMA Neurol", 2017, "74", "459-69", "10.1001/jamaneurol.2016.5867", "28241268",
        "EBMT/CIBMTR long-term MS aHSCT cohort",
    ),
    Source(
        "Perumal2019",
        "Perumal J, Fox RJ, Balabanov R, et al.",
        "Outcomes of natalizumab treatment within 3 years of relapsing-remitting multiple sclerosis "
        "diagnosis: a prespecified 2-year interim analysis of STRIVE",
        "BMC Neurol", 2019, "19", "116", "10.1186/s12883-019-1337-z", "31176355", "NEDA definition (STRIVE)",
    ),
    Source(
        "Prevoo1995",
        "Prevoo MLL, van 't Hof MA, Kuper HH, et al.",
        "Modified disease activity scores that include twenty-eight-joint counts. Development and validation "
        "in a prospective longitudinal study of patients with rheumatoid arthritis",
        "Arthritis Rheum", 1995, "38", "44-8", "10.1002/art.1780380107", "7818570", "DAS28",
    ),
    Source(
        "Prince2012",
        "Prince FHM, Bykerk VP, Shadick NA, et al.",
        "Sustained rheumatoid arthritis remission is uncommon in clinical practice",
        "Arthritis Res Ther", 2012, "14", "R68", "10.1186/ar3785", "22429277",
        "Table 1: DAS28-CRP4, SDAI and CDAI formulas and remission cut-offs",
    ),
    Source(
        "vanGestel1996",
        "van Gestel AM, Prevoo MLL, van 't Hof MA, et al.",
        "Development and validation of the European League Against Rheumatism response criteria for "
        "rheumatoid arthritis. Comparison with the preliminary American College of Rheumatology and the "
        "World Health Organization/International League Against Rheumatism Criteria",
        "Arthritis Rheum", 1996, "39", "34-40", "10.1002/art.1780390105", "", "EULAR response",
    ),
    Source(
        "vanVollenhoven2021",
        "van Vollenhoven RF, Bertsias G, Doria A, et al.",
        "2021 DORIS definition of remission in SLE: final recommendations from an international task force",
        "Lupus Sci Med", 2021, "8", "e000538", "10.1136/lupus-2021-000538", "", "DORIS",
    ),
    # end of section C
    # --- section D: synthetic registry targets, analysis, reports ------------------------------------
    Source(
        "Farge2010",
        "Farge D, Labopin M, Tyndall A, et al.",
        "Autologous hematopoietic stem cell transplantation for autoimmune diseases: an observational study "
        "on 12 years' experience from the European Group for Blood and Marrow Transplantation Working "
        "Party on Autoimmune Diseases",
        "Haematologica", 2010, "95", "284-92", "10.3324/haematol.2009.013458", "19773265",
    ),
    Source(
        "Burt2021",
        "Burt RK, Han X, Quigley K, et al.",
        "Real-world application of autologous hematopoietic stem cell transplantation in 507 patients with "
        "multiple sclerosis",
        "J Neurol", 2021, "", "", "10.1007/s00415-021-10820-2", "", "published online 2021-10-11",
    ),
    Source(
        "Daikeler2011",
        "Daikeler T, et al.",
        "Secondary autoimmune diseases occurring after HSCT for an autoimmune disease: a retrospective "
        "study of the EBMT Autoimmune Disease Working Party",
        "Blood", 2011, "118", "1693-8", "10.1182/blood-2011-02-336156", "21596847",
    ),
    Source(
        "Mackensen2022",
        "Mackensen A, Müller F, Mougiakakos D, et al.",
        "Anti-CD19 CAR T cell therapy for refractory systemic lupus erythematosus",
        "Nat Med", 2022, "28", "2124-32", "10.1038/s41591-022-02017-5", "36109639",
    ),
    Source(
        "Muller2024",
        "Müller F, et al.",
        "CD19 CAR T-cell therapy in autoimmune disease - a case series with follow-up",
        "N Engl J Med", 2024, "390", "687-700", "10.1056/NEJMoa2308917", "38381673",
    ),
    # end of section D
    # --- section E: statistical methods -------------------------------------------------------------
    Source(
        "Aalen1978",
        "Aalen O.",
        "Nonparametric estimation of partial transition probabilities in multiple decrement models",
        "Ann Stat", 1978, "6", "534-45", "10.1214/aos/1176344198", "",
        "cumulative incidence under competing risks (the Aalen-Johansen estimator's competing-risks case; "
        "Aalen & Johansen, Scand J Stat 1978;5:141-50, has no DOI or PMID) and its asymptotic variance, "
        "which cmprsk::cuminc estimates",
    ),
    Source(
        "Breslow1974",
        "Breslow NE.",
        "Covariance analysis of censored survival data",
        "Biometrics", 1974, "30", "89-99", "10.2307/2529620", "", "Breslow's handling of tied times",
    ),
    Source(
        "Cox1972",
        "Cox DR.",
        "Regression models and life-tables",
        "J R Stat Soc Series B Methodol", 1972, "34", "187-202", "10.1111/j.2517-6161.1972.tb00899.x", "",
        "Cox proportional hazards regression",
    ),
    Source(
        "Efron1977",
        "Efron B.",
        "The efficiency of Cox's likelihood function for censored data",
        "J Am Stat Assoc", 1977, "72", "557-65", "10.1080/01621459.1977.10480613", "",
        "Efron's method for tied times",
    ),
    Source(
        "FineGray1999",
        "Fine JP, Gray RJ.",
        "A proportional hazards model for the subdistribution of a competing risk",
        "J Am Stat Assoc", 1999, "94", "496-509", "10.1080/01621459.1999.10474144", "",
        "Fine-Gray subdistribution hazards model",
    ),
    Source(
        "Gray1988",
        "Gray RJ.",
        "A class of K-sample tests for comparing the cumulative incidence of a competing risk",
        "Ann Stat", 1988, "16", "1141-54", "10.1214/aos/1176350951", "",
        "Gray's test; the cumulative incidence variance of cmprsk::cuminc",
    ),
    Source(
        "Kalbfleisch2002",
        "Kalbfleisch JD, Prentice RL.",
        "The statistical analysis of failure time data. 2nd ed",
        "Wiley", 2002, "", "", "10.1002/9781118032985", "",
        "log-log confidence intervals for the Kaplan-Meier estimate",
    ),
    Source(
        "KaplanMeier1958",
        "Kaplan EL, Meier P.",
        "Nonparametric estimation from incomplete observations",
        "J Am Stat Assoc", 1958, "53", "457-81", "10.1080/01621459.1958.10501452", "",
        "the Kaplan-Meier (product-limit) estimator",
    ),
    Source(
        "Mantel1966",
        "Mantel N.",
        "Evaluation of survival data and two new rank order statistics arising in its consideration",
        "Cancer Chemother Rep", 1966, "50", "163-70", "", "5910392", "the log-rank test",
    ),
    Source(
        "Zhou2011",
        "Zhou B, Latouche A, Rocha V, et al.",
        "Competing risks regression for stratified data",
        "Biometrics", 2011, "67", "661-70", "10.1111/j.1541-0420.2010.01493.x", "21155744",
        "stratified Fine-Gray model (not what crr's cengroup does)",
    ),
    # end of section E
    # --- section F: analysis methods (follow-up, benchmarking, model size, CAR-T toxicity) --------------
    Source(
        "Anderson1983",
        "Anderson JR, Cain KC, Gelber RD.",
        "Analysis of survival by tumor response",
        "J Clin Oncol", 1983, "1", "710-9", "10.1200/JCO.1983.1.11.710", "6668489",
        note="the landmark method",
    ),
    Source(
        "Austin2009",
        "Austin PC.",
        "Balance diagnostics for comparing the distribution of baseline covariates between treatment groups "
        "in propensity-score matched samples",
        "Stat Med", 2009, "28", "3083-107", "10.1002/sim.3697", "19757444",
    ),
    Source(
        "Austin2011",
        "Austin PC.",
        "Optimal caliper widths for propensity-score matching when estimating differences in means and "
        "differences in proportions in observational studies",
        "Pharm Stat", 2011, "10", "150-61", "10.1002/pst.433",
    ),
    Source(
        "Clark2002",
        "Clark TG, Altman DG, De Stavola BL.",
        "Quantification of the completeness of follow-up",
        "Lancet", 2002, "359", "1309-10", "10.1016/S0140-6736(02)08272-7", "11965278",
    ),
    Source(
        "Lee2019",
        "Lee DW, Santomasso BD, Locke FL, et al.",
        "ASTCT consensus grading for cytokine release syndrome and neurologic toxicity associated with "
        "immune effector cells",
        "Biol Blood Marrow Transplant", 2019, "25", "625-38", "10.1016/j.bbmt.2018.12.758", "30592986",
    ),
    Source(
        "Grambsch1994",
        "Grambsch PM, Therneau TM.",
        "Proportional hazards tests and diagnostics based on weighted residuals",
        "Biometrika", 1994, "81", "515-26", "10.1093/biomet/81.3.515",
    ),
    Source(
        "Hernan2016",
        "Hernán MA, Robins JM.",
        "Using big data to emulate a target trial when a randomized trial is not available",
        "Am J Epidemiol", 2016, "183", "758-64", "10.1093/aje/kwv254", "26994063",
    ),
    Source(
        "Li2018",
        "Li F, Morgan KL, Zaslavsky AM.",
        "Balancing covariates via propensity score weighting",
        "J Am Stat Assoc", 2018, "113", "390-400", "10.1080/01621459.2016.1260466",
        note="overlap weights",
    ),
    Source(
        "Peduzzi1995",
        "Peduzzi P, Concato J, Feinstein AR, Holford TR.",
        "Importance of events per independent variable in proportional hazards regression analysis. "
        "II. Accuracy and precision of regression estimates",
        "J Clin Epidemiol", 1995, "48", "1503-10", "10.1016/0895-4356(95)00048-8", "8543964",
    ),
    Source(
        "Schemper1996",
        "Schemper M, Smith TL.",
        "A note on quantifying follow-up in studies of failure time",
        "Control Clin Trials", 1996, "17", "343-6", "10.1016/0197-2456(96)00075-X", "8889347",
    ),
    Source(
        "Spiegelhalter2005",
        "Spiegelhalter DJ.",
        "Funnel plots for comparing institutional performance",
        "Stat Med", 2005, "24", "1185-202", "10.1002/sim.1970",
    ),
    Source(
        "Vittinghoff2007",
        "Vittinghoff E, McCulloch CE.",
        "Relaxing the rule of ten events per variable in logistic and Cox regression",
        "Am J Epidemiol", 2007, "165", "710-8", "10.1093/aje/kwk052", "17182981",
    ),
    # end of section F
)

# Sources cited by key whose reference was checked (authors, title, journal, volume, first page, and the
# figures cited, at the page named in the note) but whose DOI and PMID no reachable page showed when they
# were checked. They are listed apart in docs/sources.md; an entry moves to SOURCES once its identifiers
# are read. The list may only shrink: tests/clinical/test_bibliography.py names its members.
AWAITING_IDENTIFIERS: tuple[Source, ...] = (
    Source(
        "Burt2006",
        "Burt RK, et al.",
        "Nonmyeloablative hematopoietic stem cell transplantation for systemic lupus erythematosus",
        "JAMA", 2006, "295", "527",
        note="abstract read in a reproduction: 50 patients, treatment-related mortality 2 % (1/50)",
    ),
    Source(
        "Burt2011",
        "Burt RK, Shah SJ, Dill K, et al.",
        "Autologous non-myeloablative haemopoietic stem-cell transplantation compared with pulse "
        "cyclophosphamide once per month for systemic sclerosis (ASSIST): an open-label, randomised "
        "phase 2 trial",
        "Lancet", 2011, "378", "498-506",
        note="ASSIST; abstract read at scholars.northwestern.edu",
    ),
    Source(
        "Hawkey2015",
        "Hawkey CJ, Allez M, Clark MM, et al.",
        "Autologous hematopoetic stem cell transplantation for refractory Crohn disease: a randomized "
        "clinical trial",
        "JAMA", 2015, "314", "2524-34",
        note="ASTIC; abstract read at moh-it.pure.elsevier.com, flow chart at jamanetwork.com (2475462)",
    ),
    Source(
        "Nash2007",
        "Nash RA, et al.",
        "High-dose immunosuppressive therapy and autologous hematopoietic cell transplantation for severe "
        "systemic sclerosis: long-term follow-up of the US multicenter pilot study",
        "Blood", 2007, "110", "1388",
        note="abstract read at ashpublications.org (blood/article/110/4/1388)",
    ),
    Source(
        "Pasquini2012",
        "Pasquini MC, Voltarelli J, Atkins HL, et al.",
        "Transplantation for autoimmune diseases in North and South America: a report of the Center for "
        "International Blood and Marrow Transplant Research",
        "Biol Blood Marrow Transplant", 2012,
        note="CIBMTR; abstract read in PMC (PMC3950896)",
    ),
    Source(
        "Snowden2017",
        "Snowden JA, Badoglio M, Labopin M, et al.",
        "Evolution, trends, outcomes, and economics of hematopoietic stem cell transplantation in severe "
        "autoimmune diseases",
        "Blood Adv", 2017, "1", "2742-55",
        note="EBMT 1994-2015; abstract read at ashpublications.org (bloodadvances/article/1/27/2742)",
    ),
    Source(
        "vanLaar2014",
        "van Laar JM, Farge D, Sont JK, et al.",
        "Autologous hematopoietic stem cell transplantation vs intravenous pulse cyclophosphamide in "
        "diffuse cutaneous systemic sclerosis: a randomized clinical trial",
        "JAMA", 2014, "311", "2490-8",
        note="ASTIS; Figures 1 and 2 legends read at jamanetwork.com (article 1883019)",
    ),
)
# fmt: on

BIBLIOGRAPHY: Mapping[str, Source] = MappingProxyType({s.key: s for s in SOURCES + AWAITING_IDENTIFIERS})


class UnknownSourceError(LookupError):
    """A citation names a key that is not in the bibliography."""


def citations(text: str) -> Iterator[tuple[str, str]]:
    """The ``(key, locator)`` of every citation in ``text``, in order (the locator may be "")."""
    for match in CITATION.finditer(text):
        yield match.group(1), (match.group(2) or "").strip()


def source(key: str) -> Source:
    """The entry for ``key``; :class:`UnknownSourceError` names the key when there is none."""
    try:
        return BIBLIOGRAPHY[key]
    except KeyError:
        raise UnknownSourceError(f"no source {key!r} in remission.clinical.bibliography") from None


def cited_sources(*texts: str) -> tuple[Source, ...]:
    """The entries cited in ``texts``, each once, in the order first cited (for a verdict's "Sources")."""
    keys = dict.fromkeys(key for text in texts for key, _where in citations(text))
    return tuple(source(key) for key in keys)


def render_markdown() -> str:
    """``docs/sources.md``: the marks, then every entry by key, in alphabetical order."""
    lines = [
        "# Sources",
        "",
        "Every clinical rule, score, regimen, calibration target and method in Remission cites its source",
        "as `[@Key, where]` (for example `[@Sorror2005, Table 1]`): the key below, and the table, page or",
        "abstract the figure was read from.",
        "This page is generated from `src/remission/clinical/bibliography.py`",
        "(`python3 scripts/render_sources.py`); a test keeps the two equal.",
        "",
        "The marks next to a figure:",
        "",
        "- ✔ checked against the cited source, at the place the citation names;",
        "- ◐ an assumption or a convention not taken from a named table: a default, and a setting;",
        "- ⚠ the sources disagree: a setting, each choice cited.",
        "",
        "No figure is a clinical recommendation.",
        "",
        "| key | reference |",
        "|---|---|",
    ]
    lines += _table(SOURCES)
    lines += [
        "",
        "## Awaiting a checked DOI or PMID",
        "",
        "The reference and the figures cited were checked at the page named; no page reachable when they",
        "were checked showed the DOI or PMID. Each moves to the table above once its identifiers are read.",
        "",
        "| key | reference |",
        "|---|---|",
    ]
    lines += _table(AWAITING_IDENTIFIERS)
    return "\n".join(lines) + "\n"


def _table(entries: tuple[Source, ...]) -> list[str]:
    rows = []
    for entry in sorted(entries, key=lambda s: s.key.lower()):
        text = entry.reference().replace("|", "\\|")
        if entry.note:
            text += f" *{entry.note}*"
        rows.append(f"| `{entry.key}` | {text} |")
    return rows
