"""Quick entry of a panel: every record saved through the services in one transaction, audited; one bad
value and nothing is saved, the error naming the record, the field and the rule beside its input;
another centre's patient refused. The example patient of centre A has day 0 on 14 March 2022, so D+100
is 22 June 2022 (counted by hand: 17 days left in March, 30 in April, 31 in May, 22 in June)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from remission.registry import services
from remission.registry.codes import AuditAction, ConsentStatus, Sex
from remission.registry.models import Assessment, AuditRecord, FollowUp, LabResult

DAY_100 = dt.date(2022, 6, 22)


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en-gb"):
        yield


def _url(patient: Any, panel: str) -> str:
    return reverse("quick_entry", args=[patient.registry_id, panel])


def _audit_rows(patient: Any, entity: str) -> Any:
    return AuditRecord.objects.filter(patient_id=patient.pk, entity=entity, action=AuditAction.CREATE)


def test_a_laboratory_panel_is_saved_with_its_audit_rows(world: Any, signed_in: Any) -> None:
    patient = world.patient_a
    labs_before = set(LabResult.objects.filter(patient=patient).values_list("pk", flat=True))
    audits_before = _audit_rows(patient, "registry.labresult").count()
    data = {
        "date": "D+100",
        "value__cd4": "350",
        "unit__cd4": "cells/uL",
        "value__cd8": "420",
        "unit__cd8": "cells/uL",
        "value__cd19": "0.05",
        "unit__cd19": "10^9/L",
        "value__igg": "6.2",
        "unit__igg": "g/L",
        "reason": "day-100 panel",
    }
    response = signed_in("dm_a").post(_url(patient, "labs"), data, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "4 records saved" in text
    assert "Date: D+100 is 2022-06-22" in text  # the calendar day shown back
    new = LabResult.objects.filter(patient=patient).exclude(pk__in=labs_before)
    stored = {(r.analyte, r.value, r.unit, r.date) for r in new}
    assert stored == {
        ("cd4", 350.0, "cells/uL", DAY_100),
        ("cd8", 420.0, "cells/uL", DAY_100),
        ("cd19", 0.05, "10^9/L", DAY_100),
        ("igg", 6.2, "g/L", DAY_100),
    }
    audits = _audit_rows(patient, "registry.labresult")
    assert audits.count() == audits_before + 4
    mine = audits.filter(record_id__in=[r.pk for r in new])
    assert mine.count() == 4
    assert set(mine.values_list("reason", flat=True)) == {"day-100 panel"}
    assert set(mine.values_list("actor__username", flat=True)) == {"dm_a"}


def test_a_follow_up_with_its_scores(world: Any, signed_in: Any) -> None:
    patient = world.patient_a
    old_follow_ups = list(FollowUp.objects.filter(patient=patient).values_list("pk", flat=True))
    old_assessments = list(Assessment.objects.filter(patient=patient).values_list("pk", flat=True))
    data = {
        "date": "d+100",
        "vital_status": "alive",
        "disease_status": "partial_response",
        "current_therapy": "",
        "timepoint": "d100",
        "score__mrss": "14",
        "score__haq_di": "1.25",
    }
    response = signed_in("dm_a").post(_url(patient, "follow-up"), data)
    assert response.status_code == 302
    follow_up = FollowUp.objects.filter(patient=patient).exclude(pk__in=old_follow_ups).get()
    assert (follow_up.date, follow_up.vital_status, follow_up.disease_status) == (
        DAY_100,
        "alive",
        "partial_response",
    )
    new = Assessment.objects.filter(patient=patient).exclude(pk__in=old_assessments)
    scores = {(a.instrument, a.score, a.timepoint, a.date) for a in new}
    assert scores == {("mrss", 14.0, "d100", DAY_100), ("haq_di", 1.25, "d100", DAY_100)}
    assert _audit_rows(patient, "registry.followup").filter(record_id=follow_up.pk).count() == 1
    new_ids = list(new.values_list("pk", flat=True))
    assert _audit_rows(patient, "registry.assessment").filter(record_id__in=new_ids).count() == 2


def test_one_bad_value_and_nothing_is_saved(world: Any, signed_in: Any) -> None:
    patient = world.patient_a
    counts = (LabResult.objects.count(), AuditRecord.objects.count())
    data = {
        "date": "2022-06-22",
        "value__cd4": "350",
        "unit__cd4": "cells/uL",
        "value__cd8": "50000",  # CD8+ T cells are at most 10,000 cells/µL: a unit mix-up
        "unit__cd8": "cells/uL",
        "value__igg": "6.2",
        "unit__igg": "g/L",
    }
    response = signed_in("dm_a").post(_url(patient, "labs"), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert (LabResult.objects.count(), AuditRecord.objects.count()) == counts  # nothing, not even CD4
    assert "Nothing was saved" in text
    errors = re.search(r'<ul class="errorlist" id="id_value__cd8_error">(.*?)</ul>', text, re.S)
    assert errors is not None, "the error sits beside the CD8 value"
    message = errors.group(1)
    assert "Laboratory result CD8+ T cells" in message  # the record
    assert "Value" in message  # the field
    assert "[plausible_range]" in message  # the rule
    assert 'id="id_value__cd4_error"' not in text  # the good rows carry no error
    assert re.search(r'<input type="number" name="value__cd8"[^>]*autofocus', text)  # the focus is there
    assert not re.search(r'name="date"[^>]*autofocus', text)


def test_a_bad_score_refuses_the_follow_up_too(world: Any, signed_in: Any) -> None:
    patient = world.patient_a
    before = (FollowUp.objects.count(), Assessment.objects.count(), AuditRecord.objects.count())
    data = {
        "date": "D+100",
        "vital_status": "alive",
        "disease_status": "stable",
        "timepoint": "d100",
        "score__mrss": "12",
        "score__haq_di": "9",  # HAQ-DI runs from 0 to 3
    }
    response = signed_in("dm_a").post(_url(patient, "follow-up"), data)
    assert response.status_code == 200
    assert (FollowUp.objects.count(), Assessment.objects.count(), AuditRecord.objects.count()) == before
    text = response.content.decode()
    errors = re.search(r'id="id_score__haq_di_error">(.*?)</ul>', text, re.S)
    assert errors is not None
    assert "Assessment HAQ Disability Index, Score:" in errors.group(1)
    assert "[plausible_range]" in errors.group(1)
    assert 'value="D+100"' in text  # what was typed stays in the form


def test_a_date_that_breaks_a_rule_is_named_for_every_record(world: Any, signed_in: Any) -> None:
    patient = world.patient_a
    before = LabResult.objects.count()
    data = {"date": "D+9000", "value__cd4": "350", "unit__cd4": "cells/uL"}  # 2046: in the future
    response = signed_in("dm_a").post(_url(patient, "labs"), data)
    text = response.content.decode()
    errors = re.search(r'id="id_date_error">(.*?)</ul>', text, re.S)
    assert errors is not None
    assert "Laboratory result CD4+ T cells, Date:" in errors.group(1)
    assert "[date_not_in_future]" in errors.group(1)
    assert LabResult.objects.count() == before


def test_parsing_errors_and_an_empty_panel(world: Any, signed_in: Any) -> None:
    client = signed_in("dm_a")
    before = LabResult.objects.count()
    response = client.post(_url(world.patient_a, "labs"), {"date": "D+100"})
    assert "Nothing to save" in response.content.decode()
    response = client.post(_url(world.patient_a, "labs"), {"date": "D+1.5", "value__cd4": "abc"})
    text = response.content.decode()
    assert 'id="id_date_error"' in text and "is not a day number" in text
    assert 'id="id_value__cd4_error"' in text
    assert LabResult.objects.count() == before


def test_a_patient_without_day_zero(world: Any, signed_in: Any) -> None:
    patient = services.patient_register(
        actor=world.users["dm_a"],
        centre=world.centre_a,
        sex=Sex.FEMALE,
        birth_year=1980,
        birth_month=5,
        consent_status=ConsentStatus.GIVEN,
        consent_version="v2.1",
        consent_date=dt.date(2023, 1, 10),
    )
    client = signed_in("dm_a")
    page = client.get(_url(patient, "assessments")).content.decode()
    assert "no day 0 yet" in page
    data = {"date": "D+100", "timepoint": "baseline", "score__edss": "3.5"}
    text = client.post(_url(patient, "assessments"), data).content.decode()
    assert "Date: D+100 counts from day 0, but this patient has no day 0 yet" in text
    data["date"] = "2023-02-01"
    assert client.post(_url(patient, "assessments"), data).status_code == 302
    stored = Assessment.objects.get(patient=patient)
    assert (stored.instrument, stored.score, stored.date) == ("edss", 3.5, dt.date(2023, 2, 1))


def test_another_centres_patient_is_refused(world: Any, signed_in: Any) -> None:
    other = world.patient_b
    before = (LabResult.objects.count(), AuditRecord.objects.count())
    data = {"date": "2022-01-10", "value__cd4": "350", "unit__cd4": "cells/uL"}
    client = signed_in("dm_a")
    assert client.get(_url(other, "labs")).status_code == 404  # not revealed: "not found"
    assert client.post(_url(other, "labs"), data).status_code == 404
    assert (LabResult.objects.count(), AuditRecord.objects.count()) == before


@pytest.mark.parametrize("username", ["viewer_a", "stat"])
def test_readers_cannot_use_quick_entry(world: Any, signed_in: Any, username: str) -> None:
    data = {"date": "2022-06-22", "value__cd4": "350", "unit__cd4": "cells/uL"}
    before = LabResult.objects.count()
    response = signed_in(username).post(_url(world.patient_a, "labs"), data)
    assert response.status_code in (403, 404)
    assert LabResult.objects.count() == before


def test_unknown_panel_and_signed_out(world: Any, signed_in: Any, client: Any) -> None:
    assert signed_in("dm_a").get(_url(world.patient_a, "workup")).status_code == 404
    response = client.get(_url(world.patient_a, "labs"))
    assert response.status_code == 302 and "/signin/" in response["Location"]


def test_the_panel_is_labelled_and_in_keyboard_order(world: Any, signed_in: Any) -> None:
    text = signed_in("dm_a").get(_url(world.patient_a, "follow-up")).content.decode()
    form = text[text.index('data-testid="quick-entry"') :]
    names = re.findall(r'<(?:input|select|textarea)[^>]*name="([^"]+)"', form)
    names = [n for n in names if n != "csrfmiddlewaretoken"]
    # the SSc patient's instruments, after the date and the follow-up, then the reason
    assert names == [
        "date",
        "vital_status",
        "disease_status",
        "current_therapy",
        "timepoint",
        "score__mrss",
        "score__fvc_pct",
        "score__dlco_pct",
        "score__haq_di",
        "reason",
    ]
    for name in names:
        assert f'<label for="id_{name}">' in form, f"{name} has no label"
    assert "tabindex" not in form
    assert re.search(r'<input type="text" name="date"[^>]*autofocus', form)
    assert form.count('type="submit"') == 1  # Enter in any input submits the panel


def test_the_lab_panel_rows_pair_value_and_unit(world: Any, signed_in: Any) -> None:
    text = signed_in("dm_a").get(_url(world.patient_a, "labs")).content.decode()
    form = text[text.index('data-testid="quick-entry"') :]
    names = [n for n in re.findall(r'name="([^"]+)"', form) if n != "csrfmiddlewaretoken"]
    assert names[:5] == ["date", "value__cd3", "unit__cd3", "value__cd4", "unit__cd4"]
    assert '<label for="id_unit__cd4">CD4+ T cells unit</label>' in form


def test_the_patient_page_links_to_quick_entry(world: Any, signed_in: Any) -> None:
    url = reverse("patient_detail", args=[world.patient_a.registry_id])
    assert _url(world.patient_a, "follow-up") in signed_in("dm_a").get(url).content.decode()
    assert _url(world.patient_a, "follow-up") not in signed_in("viewer_a").get(url).content.decode()
