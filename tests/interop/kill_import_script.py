"""Run by tests/interop/test_import_kill.py in a process of its own (the database is DATABASE_URL).

    python3 -m tests.interop.kill_import_script prepare FOLDER   # registry → REDCap files, then emptied
    python3 -m tests.interop.kill_import_script import FOLDER    # --commit import; stops after one batch
    python3 -m tests.interop.kill_import_script count FOLDER     # prints what is stored, as JSON

``import`` writes ``FOLDER/written`` once its first batch of patients is in the (uncommitted) transaction
and then waits to be killed.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main() -> int:
    from remission.settings.startup import start_django

    action, folder = sys.argv[1], Path(sys.argv[2])
    start_django()
    from django.core.management import call_command

    from remission.interop.importing import import_rows
    from remission.interop.mapping import ImportMapping
    from remission.interop.models import ImportedRecord
    from remission.interop.redcap import read_redcap
    from remission.registry.access import SYSTEM
    from remission.registry.models import AuditRecord, Patient
    from tests.interop.import_support import export_redcap, make_source, wipe_patients

    if action == "prepare":
        call_command("migrate", verbosity=0)
        make_source(count=30, seed=11)
        export_redcap(folder)
        wipe_patients()
        return 0
    if action == "import":
        rows, _problems = read_redcap(folder / "dictionary.csv", folder / "records.csv", ImportMapping())

        def stop_after_first_batch(_patients: int) -> None:
            (folder / "written").write_text(str(Patient.objects.count()))
            while True:  # the test kills this process here, inside the open transaction
                time.sleep(1)

        import_rows(
            rows, system="redcap", actor=SYSTEM, commit=True, batch_size=10, progress=stop_after_first_batch
        )
        return 0
    counts = {
        "patients": Patient.objects.count(),
        "imported": ImportedRecord.objects.count(),
        "import_audit_rows": AuditRecord.objects.filter(reason__startswith="import (").count(),
    }
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
