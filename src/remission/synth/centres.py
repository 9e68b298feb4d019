"""The synthetic centres: where, since when, how busy, accredited or not, and how each one practises.

Twenty fictional centres in ten countries. Names are invented and marked "(synthetic)"; EBMT CIC and
CIBMTR CCN codes are from a range no real centre uses (9xx / 99xxx). Each centre has a start year (its
first autoimmune-disease procedure), an annual volume, JACIE accreditation, and local habits — MS
conditioning (BEAM-ATG in Europe, Cy200-rATG in North America), CD34 selection for SSc, the performance
scale, the dosing-weight basis for obese patients, whether it runs an immune-monitoring laboratory, its
loss to follow-up — so that centres differ the way registry centres do.

Centre experience (better PFS with ≥ 23 autoimmune-disease transplants per centre, P = .001: Snowden JA et
al., Blood Adv 2017;1:2742, abstract ✔) is the number
of procedures the centre had done before a given date: ``annual_volume × years since first procedure``.
It is a property of the centre's whole activity (most of it outside any one registry extract), so it does
not depend on how many patients a synthetic registry holds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import MappingProxyType

from remission.synth.targets import EXPERIENCE_THRESHOLD


@dataclass(frozen=True)
class CentreSpec:
    code: str
    name: str
    country: str
    first_year: int
    annual_volume: float  # autoimmune-disease procedures per year once running
    jacie: bool
    ebmt_cic: str = ""
    cibmtr_ccn: str = ""
    ms_regimen: str = "beam_atg"  # beam_atg (Europe) or cy200_ratg (Northwestern style)
    ssc_regimen: str = "cy200_ratg"  # cy200_ratg (ASTIS) or tbi_cy_eatg (SCOT)
    ssc_mobilisation: str = "mob_cy2_gcsf"  # mob_cy2_gcsf, mob_cy4_gcsf (ASTIS) or mob_gcsf (SCOT)
    # for SSc and SLE grafts: CD34-selected in [@Sullivan2018, abstract] and [@Burt2006, abstract] ✔
    cd34_selection: bool = False
    car_t: bool = False
    performance_scale: str = "karnofsky"
    obese_weight_basis: str = "actual"  # ◐ centres differ (an EBMT survey, Shem-Tov 2015, not re-read here)
    immune_lab: str = "basic"  # none | basic | research
    loss_to_follow_up: float = 0.03  # per year ◐

    def procedures_before(self, day: dt.date) -> float:
        """Procedures the centre had done before ``day`` (its experience)."""
        years = (day - dt.date(self.first_year, 1, 1)).days / 365.25
        return max(0.0, years) * self.annual_volume

    def experienced_on(self, day: dt.date) -> bool:
        return self.procedures_before(day) >= EXPERIENCE_THRESHOLD


CENTRES: tuple[CentreSpec, ...] = (
    CentreSpec("syn-leiden", "Lowlands University Medical Centre (synthetic)", "NL", 1996, 9, True, "901",
               ssc_mobilisation="mob_cy4_gcsf", cd34_selection=True, immune_lab="research"),
    CentreSpec("syn-paris", "Hôpital Saint-Exemple (synthetic)", "FR", 1996, 11, True, "902",
               ssc_mobilisation="mob_cy4_gcsf", cd34_selection=True, immune_lab="research",
               obese_weight_basis="adjusted"),
    CentreSpec("syn-sheffield", "Northern Teaching Hospitals (synthetic)", "GB", 1997, 10, True, "903",
               ms_regimen="cy200_ratg", immune_lab="research", obese_weight_basis="ideal"),
    CentreSpec("syn-chicago", "Lakeshore Medical Center (synthetic)", "US", 1996, 16, True, "", "99001",
               ms_regimen="cy200_ratg", ssc_mobilisation="mob_cy2_gcsf", cd34_selection=True,
               performance_scale="ecog", obese_weight_basis="lesser_ideal_actual"),
    CentreSpec("syn-seattle", "Cascade Cancer Center (synthetic)", "US", 1997, 6, True, "", "99002",
               ms_regimen="cy200_ratg", ssc_regimen="tbi_cy_eatg", ssc_mobilisation="mob_gcsf",
               cd34_selection=True, performance_scale="ecog", immune_lab="research"),
    CentreSpec("syn-genoa", "Ospedale Ligure di Esempio (synthetic)", "IT", 1996, 8, True, "904",
               immune_lab="basic"),
    CentreSpec("syn-florence", "Careggi Sintetico (synthetic)", "IT", 1998, 6, True, "905"),
    CentreSpec("syn-uppsala", "Nordic Academic Hospital (synthetic)", "SE", 2004, 8, True, "906",
               immune_lab="research"),
    CentreSpec("syn-bergen", "Fjord University Hospital (synthetic)", "NO", 2012, 10, True, "907",
               ms_regimen="cy200_ratg", car_t=False),
    CentreSpec("syn-erlangen", "Franconia University Clinic (synthetic)", "DE", 2005, 4, True, "908",
               car_t=True, immune_lab="research"),
    CentreSpec("syn-hamburg", "Hanseatic Clinic (synthetic)", "DE", 2001, 3, False, "909",
               loss_to_follow_up=0.05),
    CentreSpec("syn-madrid", "Hospital Central Ficticio (synthetic)", "ES", 2008, 3, True, "910",
               car_t=True, obese_weight_basis="adjusted"),
    CentreSpec("syn-barcelona", "Clínic Imaginari (synthetic)", "ES", 2013, 4, True, "911",
               ssc_mobilisation="mob_cy2_gcsf"),
    CentreSpec("syn-prague", "Vltava Faculty Hospital (synthetic)", "CZ", 2003, 3, False, "912",
               loss_to_follow_up=0.06, immune_lab="none"),
    CentreSpec("syn-basel", "Rhine University Hospital (synthetic)", "CH", 1998, 4, True, "913",
               cd34_selection=True),
    CentreSpec("syn-london", "Thames Teaching Hospital (synthetic)", "GB", 2006, 7, True, "914",
               ms_regimen="cy200_ratg", performance_scale="ecog"),
    CentreSpec("syn-toronto", "Lake Ontario Health Sciences (synthetic)", "CA", 2001, 3, True, "", "99003",
               ms_regimen="bu_cy", performance_scale="ecog", loss_to_follow_up=0.02),
    CentreSpec("syn-saopaulo", "Hospital Exemplo Paulista (synthetic)", "BR", 2004, 9, False, "915",
               ms_regimen="cy200_ratg", loss_to_follow_up=0.06, immune_lab="none"),
    CentreSpec("syn-moscow", "Volga Regional Centre (synthetic)", "RU", 2009, 8, False, "916",
               ms_regimen="beam_atg", loss_to_follow_up=0.08, immune_lab="none"),
    CentreSpec("syn-melbourne", "Southern Cross Hospital (synthetic)", "AU", 2012, 3, False, "917",
               ms_regimen="cy200_ratg", loss_to_follow_up=0.04),
)  # fmt: skip
CENTRE_BY_CODE: MappingProxyType[str, CentreSpec] = MappingProxyType({c.code: c for c in CENTRES})
