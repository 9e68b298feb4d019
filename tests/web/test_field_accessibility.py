"""Form fields for screen readers and for people who read units: the error list and the help text carry
the ids Django's inputs point to with ``aria-describedby``, and labels keep their units and acronyms as
written ("PASP (echo) mmHg", not "Pasp (echo) mmhg")."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse


def _described(html: str) -> list[str]:
    """Every id an ``aria-describedby`` of the page names."""
    return [name for value in re.findall(r'aria-describedby="([^"]*)"', html) for name in value.split()]


def test_every_described_by_id_is_on_the_page(world: Any, signed_in: Callable[[str], Client]) -> None:
    client = signed_in("dm_a")
    url = reverse("record_edit", args=["patient", world.patient_a.pk])
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    response = client.post(url, {**data, "birth_year": "25531", "reason": "typo"})
    assert response.status_code == 200 and response.context["form"].errors  # the form came back
    html = response.content.decode()
    named = _described(html)
    # the erroneous field names its error list, the reason field its help text: both must exist
    assert any(n.endswith("birth_year_error") for n in named), named
    assert any(n.endswith("_helptext") for n in named), named
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    missing = [n for n in named if n not in ids]
    assert not missing, f"aria-describedby names ids not on the page: {missing}"


def test_labels_keep_units_and_acronyms(world: Any, signed_in: Callable[[str], Client]) -> None:
    client = signed_in("dm_a")
    html = client.get(reverse("record_new", args=[world.patient_a.registry_id, "workup"])).content.decode()
    labels = re.sub(r"<[^>]+>", "", " ".join(re.findall(r"<label[^>]*>.*?</label>", html, re.S)))
    assert "PASP (echo) mmHg" in labels and "Creatinine clearance mL/min" in labels
    assert "Pasp" not in labels and "mmhg" not in labels and "ml/min" not in labels
