"""The outcomes page says exactly who is in it: the patient flow, for the patients the user may read.

The world of the registry tests has one analysed patient per centre (autologous HSCT); here a CAR-T-only
patient joins centre A and a patient with no infusion joins centre B. Counts are this test's own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.test import Client

from remission.registry import services
from remission.registry.access import SYSTEM
from remission.registry.codes import ConsentStatus, ProductSource, ProductType, Sex
from tests.registry.conftest import World


def _patient(centre: Any, registry_id: str) -> Any:
    return services.patient_register(
        actor=SYSTEM,
        centre=centre,
        sex=Sex.FEMALE,
        birth_year=1980,
        birth_month=4,
        consent_status=ConsentStatus.GIVEN,
        consent_date=dt.date(2021, 1, 4),
        registry_id=registry_id,
    )


def _add_left_out_patients(world: World) -> None:
    car_t = _patient(world.centre_a, "W-CART")
    product = services.cell_product_record(
        actor=SYSTEM, patient=car_t, product_type=ProductType.CAR_T, source=ProductSource.PERIPHERAL_BLOOD
    )
    services.infusion_record(actor=SYSTEM, patient=car_t, product=product, date=dt.date(2023, 2, 1))
    _patient(world.centre_b, "W-NONE")


def test_the_page_shows_the_patient_flow(world: World, signed_in: Callable[[str], Client]) -> None:
    _add_left_out_patients(world)
    page = signed_in("stat").get("/outcomes/").content.decode()
    assert "4 patients in the registry you can read; left out 2" in page
    assert "No infusion recorded: 1" in page and "CAR-T cells, no autologous HSCT: 1" in page
    assert "; 2 analysed." in page
    assert 'id="patient-flow"' in page and "Flow diagram: patients in the registry" in page
    assert "every patient in the registry" not in page
    assert "Cell therapy other than autologous HSCT" in page
    # each survival figure carries its curves as a table (read at the axis's ticks), folded under it
    assert '<details class="figure-data"><summary>The figure' in page
    assert '<caption class="report-caption">The data of the figure: ' in page


def test_a_centre_user_sees_the_flow_of_their_centre(
    world: World, signed_in: Callable[[str], Client]
) -> None:
    _add_left_out_patients(world)
    page = signed_in("dm_a").get("/outcomes/").content.decode()
    assert "2 patients in the registry you can read; left out 1 (CAR-T cells, no autologous HSCT: 1)" in page
    assert "; 1 analysed." in page


def test_the_page_is_laid_out_in_the_reader_s_language(
    world: World, signed_in: Callable[[str], Client]
) -> None:
    """The page's sections and its patient flow (whose reasons the analysis keeps as words to translate)
    in French for a French reader; the English page of the same cohort stays English (a page per
    language, from the same results)."""
    _add_left_out_patients(world)
    client = signed_in("stat")
    french = client.get("/outcomes/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Aucune réinjection enregistrée\u00a0: 1" in french
    assert "Cellules CAR-T, sans autogreffe de CSH\u00a0: 1" in french
    assert "Diagramme de flux des patients" in french
    assert "No infusion recorded" not in french and "CAR-T cells, no autologous HSCT" not in french
    english = client.get("/outcomes/", HTTP_ACCEPT_LANGUAGE="en-gb").content.decode()
    assert "No infusion recorded: 1" in english and "CAR-T cells, no autologous HSCT: 1" in english
    assert "Diagramme de flux des patients" not in english
