"""Registry → REDCap dictionary and records → import into an empty registry → the same records."""

from __future__ import annotations

from pathlib import Path

import pytest

from remission.registry.models import Patient
from tests.interop.import_support import (
    export_redcap,
    import_redcap,
    make_source,
    registry_records,
    wipe_patients,
)


@pytest.mark.django_db
def test_redcap_round_trip_gives_identical_records(tmp_path: Path) -> None:
    make_source()
    before = registry_records()
    dictionary, records = export_redcap(tmp_path)
    wipe_patients()
    assert not Patient.objects.exists()

    result = import_redcap(dictionary, records)

    assert result.problems == ()
    assert result.committed
    after = registry_records()
    assert after == before
    assert len(after) == 24
