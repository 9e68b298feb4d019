"""Reliability figures (issue "Trust"): audited writes, tamper detection, kill -9 trials, hostile API input
and a soak of concurrent users.

    python3 benchmarks/reliability.py [--users 50] [--minutes 5] [--think 1.0] [--threads 8]
                                      [--soak-database-url postgres://postgres@127.0.0.1:5432/remission_h_soak]
                                      [--soak-patients 2000] [--kill-trials 3] [--skip contract,soak,…]

Each part prints one figure:

1. **audit** — writes made / audited. A scripted session on a scratch SQLite registry: the two-centre
   test registry built through the services, a REDCap import (a 30-patient synthetic source, exported and
   imported with ``--commit``), web writes (a data manager registers a patient, records and edits a
   follow-up through the forms) and API writes (a patient, a diagnosis, an edit, a delete). Writes are
   counted from the database, not from the code that made them: every row created (a new key), every
   version step of an edited row, every row deleted; a write is audited when its ``create`` row, as many
   ``update`` rows as version steps, or its ``delete`` row is in the audit trail.
2. **tamper** — tamper attempts detected. On copies of that registry, with the append-only triggers
   dropped (as a database owner could), the audit table is changed by raw SQL in ten ways (a value, a
   reason, the actor, a row deleted, the last rows deleted, a row rewritten with its hash recomputed, two
   rows swapped, a forged row appended, the tail rewritten with every hash and the head recomputed past an
   anchor, a row changed with the triggers in place); each is detected when the database refuses it or
   ``verify_chain`` (``remission.registry.audit_chain``) reports the chain broken.
3. **kill** — kill -9 trials run / records half-written. ``remission serve`` on a 50-patient SQLite
   registry is killed with SIGKILL while four API clients write (``tests/reliability/serving.py``); a
   record is half-written when a row has no audit row, an audit row has no row, or an acknowledged write
   is missing after restart; the database's own integrity check must pass.
4. **contract** — schemathesis operations × roles / server errors: ``tests/api/test_contract.py`` run by
   pytest (every API operation with every role's token); a failed case is a server error.
5. **soak** — ``--users`` concurrent users for ``--minutes`` against ``remission serve`` on a PostgreSQL
   registry (``--soak-database-url``; built with ``remission synth --patients --soak-patients`` when it
   has no patients). Four users in five are data managers (API token; reads of the patient list, a
   patient, its follow-ups, and one write in five: a laboratory result), one in five a statistician; every
   other user works in the web pages instead (signed in: patient list and patient page). Each waits an
   exponential think time of mean ``--think`` seconds between requests. Prints requests, errors (5xx,
   503 "try again" counted apart, refused connections), p50/p95 latency and the server's resident memory
   (VmRSS) at the start and the end, with the load average.

Sizes are arguments; on a shared machine run it small (e.g. ``--users 10 --minutes 1``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
PARTS = ("audit", "tamper", "kill", "contract", "soak")
SCRATCH = Path(tempfile.mkdtemp(prefix="remission-reliability-"))
# The audit and tamper parts run in this process, on a scratch SQLite registry of their own.
os.environ.pop("DJANGO_SETTINGS_MODULE", None)
os.environ["DATABASE_URL"] = f"sqlite:///{SCRATCH / 'session.sqlite3'}"
os.environ["REMISSION_DATA_DIR"] = str(SCRATCH)

from tests.reliability import serving  # noqa: E402 (needs the path above)

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- 1. writes made / audited ------------------------------------------------------------------------


def _rows() -> dict[tuple[str, int], int]:
    """Every audited table's rows: (entity, pk) -> version (1 for tables without versions)."""
    from tests.reliability.registry_script import audit_entity, audited_models

    rows: dict[tuple[str, int], int] = {}
    for model in audited_models():
        entity = audit_entity(model)
        versioned = any(f.name == "version" for f in model._meta.concrete_fields)
        values = model.objects.values_list("pk", "version") if versioned else model.objects.values_list("pk")
        for row in values:
            rows[(entity, row[0])] = row[1] if versioned else 1
    return rows


def _audit_counts() -> Counter[tuple[str, int, str]]:
    from remission.registry.models import AuditRecord

    return Counter(AuditRecord.objects.values_list("entity", "record_id", "action"))


def _web_writes(world: Any) -> None:
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(world.users["dm_a"])
    registered = client.post(
        "/patients/new/",
        {
            "centre": str(world.centre_a.pk),
            "sex": "female",
            "birth_year": "1979",
            "birth_month": "4",
            "consent_status": "given",
            "consent_version": "v2",
            "consent_date": "2023-05-01",
            "reason": "reliability session (web)",
        },
    )
    assert registered.status_code == 302, registered.content[:2000]
    rid = registered["Location"].rstrip("/").rsplit("/", 1)[1]
    made = client.post(
        f"/patients/{rid}/follow-up/new/",
        {"date": "2024-01-10", "vital_status": "alive", "disease_status": "unknown", "reason": "web"},
    )
    assert made.status_code == 302, made.content[:3000]
    from remission.registry.models import FollowUp

    follow_up = FollowUp.objects.filter(patient__registry_id=rid).get()
    edited = client.post(
        f"/records/follow-up/{follow_up.pk}/",
        {
            "date": "2024-01-11",
            "vital_status": "alive",
            "disease_status": "unknown",
            "current_therapy": "none",
            "version": str(follow_up.version),
            "reason": "web edit",
        },
    )
    assert edited.status_code == 302, edited.content[:3000]


def _api_writes(world: Any) -> None:
    from django.test import Client

    from remission.registry.models import LabResult
    from remission.registry.services.tokens import token_create

    _, raw = token_create(actor=world.users["dm_a"], name="reliability session")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_HOST="127.0.0.1")
    body = {
        "centre": world.centre_a.code,
        "sex": "male",
        "birth_year": 1985,
        "birth_month": 7,
        "consent_status": "given",
        "consent_date": "2023-02-01",
        "reason": "reliability session (API)",
    }
    patient = client.post("/api/patients", body, content_type="application/json")
    assert patient.status_code == 201, patient.content
    rid = patient.json()["registry_id"]
    diagnosis = client.post(
        f"/api/patients/{rid}/diagnoses",
        {"disease": "ssc", "diagnosis_date": "2021-06-01", "reason": "api"},
        content_type="application/json",
    )
    assert diagnosis.status_code == 201, diagnosis.content
    edit = client.patch(
        f"/api/diagnoses/{diagnosis.json()['id']}",
        {"version": diagnosis.json()["version"], "icd10": "M34.0", "reason": "api edit"},
        content_type="application/json",
    )
    assert edit.status_code == 200, edit.content
    lab = LabResult.objects.filter(patient=world.patient_a).first()
    if lab is not None:
        gone = client.delete(f"/api/lab-results/{lab.pk}?version={lab.version}&reason=entered+twice")
        assert gone.status_code == 204, gone.content


def _import_writes(folder: Path) -> int:
    """Import a REDCap export of a 30-patient synthetic registry made in a registry of its own."""
    from remission.interop.importing import import_rows
    from remission.interop.mapping import ImportMapping
    from remission.interop.redcap import read_redcap
    from remission.registry.access import SYSTEM
    from remission.synth.bulk import ensure_centres

    folder.mkdir(exist_ok=True)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'source.sqlite3'}"}
    command = [sys.executable, "-m", "tests.interop.kill_import_script", "prepare", str(folder)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    ensure_centres()
    rows, problems = read_redcap(folder / "dictionary.csv", folder / "records.csv", ImportMapping())
    assert not problems, problems[:3]
    result = import_rows(rows, system="redcap", actor=SYSTEM, commit=True)
    return int(getattr(result, "patients", 0) or 0)


def audit_figure() -> tuple[int, int, dict[str, int]]:
    """(writes made, writes audited, writes by kind) over the scripted session."""
    from django.core.management import call_command
    from tests.registry.conftest import build_world

    from remission.registry.models import AuditRecord

    call_command("migrate", verbosity=0)
    before_rows, before_audit = _rows(), _audit_counts()
    world = build_world()
    _import_writes(SCRATCH / "import")
    _web_writes(world)
    _api_writes(world)
    from remission.registry.services.audit import audit_anchor

    audit_anchor(actor=world.users["admin"], note="reliability benchmark")
    after_rows, after_audit = _rows(), _audit_counts()
    added = after_audit - before_audit
    made = audited = 0
    kinds: Counter[str] = Counter()
    for key, version in after_rows.items():
        entity, pk = key
        old = before_rows.get(key)
        if old is None:  # created (and perhaps edited since)
            made += 1
            kinds["create"] += 1
            audited += added[(entity, pk, "create")] >= 1
            steps = version - 1
        else:
            steps = version - old
        made += steps
        kinds["update"] += steps
        audited += min(steps, added[(entity, pk, "update")])
    for entity, pk in before_rows.keys() - after_rows.keys() | _deleted(after_rows, added):
        made += 1
        kinds["delete"] += 1
        audited += added[(entity, pk, "delete")] >= 1
    assert AuditRecord.objects.exists()
    return made, audited, dict(kinds)


def _deleted(after_rows: dict[tuple[str, int], int], added: Counter[tuple[str, int, str]]) -> set[Any]:
    """Rows created and deleted within the session: known only from their audit rows."""
    created = {(e, pk) for (e, pk, action) in added if action == "create"}
    return {key for key in created if key not in after_rows}


# --- 2. tamper attempts detected ----------------------------------------------------------------------


def _snapshot(path: Path) -> None:
    """A consistent copy of the session registry (SQLite's online backup) at ``path``."""
    from django.db import connection

    connection.close()
    source = sqlite3.connect(SCRATCH / "session.sqlite3")
    target = sqlite3.connect(path)
    source.backup(target)
    source.close()
    target.close()


def _rehash_from(db: sqlite3.Connection, first_sequence: int, *, move_head: bool) -> None:
    """Recompute ``prev_hash`` and ``row_hash`` of every row from ``first_sequence`` on (and the head)."""
    from remission.registry.audit_chain import CONTENT_FIELDS, content_hash

    db.row_factory = sqlite3.Row
    previous = db.execute(
        "SELECT row_hash FROM registry_auditrecord WHERE sequence = ?", [first_sequence - 1]
    ).fetchone()
    prev_hash = previous["row_hash"]
    rows = db.execute(
        "SELECT * FROM registry_auditrecord WHERE sequence >= ? ORDER BY sequence", [first_sequence]
    ).fetchall()
    for row in rows:
        values = {name: row[name] for name in CONTENT_FIELDS}
        for name in ("before", "after"):
            values[name] = json.loads(values[name]) if values[name] is not None else None
        values["at"] = _parse_time(values["at"])
        values["prev_hash"] = prev_hash
        prev_hash = content_hash(values)
        db.execute(
            "UPDATE registry_auditrecord SET prev_hash = ?, row_hash = ? WHERE id = ?",
            [values["prev_hash"], prev_hash, row["id"]],
        )
    if move_head:
        db.execute("UPDATE registry_auditchainhead SET row_hash = ?", [prev_hash])


def _parse_time(text: str) -> Any:
    import datetime as dt

    value = dt.datetime.fromisoformat(text.replace(" ", "T"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _tampers() -> list[tuple[str, Any]]:
    """(what, change(db, middle_sequence, last_sequence)) — raw SQL on the audit table."""

    def value(db: sqlite3.Connection, mid: int, _last: int) -> None:
        db.execute("UPDATE registry_auditrecord SET after = '{\"value\": 1}' WHERE sequence = ?", [mid])

    def reason(db: sqlite3.Connection, mid: int, _last: int) -> None:
        db.execute("UPDATE registry_auditrecord SET reason = 'nothing happened' WHERE sequence = ?", [mid])

    def actor(db: sqlite3.Connection, mid: int, _last: int) -> None:
        db.execute(
            "UPDATE registry_auditrecord SET actor_id = CASE WHEN actor_id IS NULL "
            "THEN (SELECT MIN(id) FROM auth_user) ELSE NULL END WHERE sequence = ?",
            [mid],
        )

    def delete_one(db: sqlite3.Connection, mid: int, _last: int) -> None:
        db.execute("DELETE FROM registry_auditrecord WHERE sequence = ?", [mid])

    def delete_tail(db: sqlite3.Connection, _mid: int, last: int) -> None:
        db.execute("DELETE FROM registry_auditrecord WHERE sequence > ?", [last - 3])

    def rehash_one(db: sqlite3.Connection, mid: int, _last: int) -> None:
        from remission.registry.audit_chain import CONTENT_FIELDS, content_hash

        db.execute("UPDATE registry_auditrecord SET reason = 'rewritten' WHERE sequence = ?", [mid])
        db.row_factory = sqlite3.Row
        row = db.execute("SELECT * FROM registry_auditrecord WHERE sequence = ?", [mid]).fetchone()
        values = {name: row[name] for name in CONTENT_FIELDS}
        for name in ("before", "after"):
            values[name] = json.loads(values[name]) if values[name] is not None else None
        values["at"] = _parse_time(values["at"])
        db.execute(
            "UPDATE registry_auditrecord SET row_hash = ? WHERE sequence = ?", [content_hash(values), mid]
        )

    def swap(db: sqlite3.Connection, mid: int, last: int) -> None:
        spare = last + 1000
        db.execute("UPDATE registry_auditrecord SET sequence = ? WHERE sequence = ?", [spare, mid])
        db.execute("UPDATE registry_auditrecord SET sequence = ? WHERE sequence = ?", [mid, mid + 1])
        db.execute("UPDATE registry_auditrecord SET sequence = ? WHERE sequence = ?", [mid + 1, spare])

    def forge(db: sqlite3.Connection, _mid: int, last: int) -> None:
        columns = [r[1] for r in db.execute("PRAGMA table_info(registry_auditrecord)") if r[1] != "id"]
        listed = ", ".join(columns)
        copied = listed.replace("sequence", "sequence + 1")
        db.execute(
            f"INSERT INTO registry_auditrecord ({listed}) SELECT {copied} "
            "FROM registry_auditrecord WHERE sequence = ?",
            [last],
        )
        _rehash_from(db, last + 1, move_head=False)

    def rewrite_tail(db: sqlite3.Connection, mid: int, _last: int) -> None:
        db.execute("UPDATE registry_auditrecord SET reason = 'rewritten' WHERE sequence = ?", [mid])
        _rehash_from(db, mid, move_head=True)

    return [
        ("a value changed", value),
        ("a reason changed", reason),
        ("the actor changed", actor),
        ("a row deleted", delete_one),
        ("the last rows deleted", delete_tail),
        ("a row rewritten with its hash recomputed", rehash_one),
        ("two rows swapped", swap),
        ("a forged row appended", forge),
        ("the tail and the head rewritten past an anchor", rewrite_tail),
    ]


def tamper_figure() -> tuple[int, int, list[str]]:
    """(attempts, detected, lines): each attempt on its own copy of the session registry."""
    from django.db import connection

    from remission.registry.audit_chain import verify_chain

    guard = __import__("importlib").import_module("remission.registry.migrations.0005_audit_append_only")
    original = connection.settings_dict["NAME"]
    assert verify_chain().ok, "the session's chain does not verify before tampering"
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(sequence) FROM registry_auditrecord")
        last = cursor.fetchone()[0]
        cursor.execute("SELECT MAX(sequence) FROM registry_auditanchor")
        anchored = cursor.fetchone()[0] or last
    middle = max(2, anchored // 2)
    lines, detected = [], 0
    attempts = _tampers()
    for number, (what, change) in enumerate(attempts):
        path = SCRATCH / f"tamper-{number}.sqlite3"
        _snapshot(path)
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("BEGIN")
        for sql in guard._statements("sqlite")[1]:  # a database owner drops the append-only triggers
            db.execute(sql)
        change(db, middle, last)
        db.execute("COMMIT")
        db.close()
        connection.settings_dict["NAME"] = str(path)
        connection.close()
        check = verify_chain()
        detected += not check.ok
        lines.append(f"  {'detected' if not check.ok else 'MISSED  '}  {what}: {check.reason[:120]}")
    # with the triggers in place the database itself refuses the change
    path = SCRATCH / "tamper-guarded.sqlite3"
    _snapshot(path)
    db = sqlite3.connect(path)
    try:
        db.execute("UPDATE registry_auditrecord SET reason = 'x' WHERE sequence = ?", [middle])
        db.commit()
        refused = False
    except sqlite3.DatabaseError as exc:
        refused, message = True, str(exc)
    db.close()
    detected += refused
    lines.append(
        f"  {'refused ' if refused else 'MISSED  '}  a row changed with the triggers in place"
        + (f": {message[:100]}" if refused else "")
    )
    connection.settings_dict["NAME"] = original
    connection.close()
    return len(attempts) + 1, detected, lines


# --- 3. kill -9 trials --------------------------------------------------------------------------------


def kill_figure(trials: int) -> tuple[int, int, list[str]]:
    folder = SCRATCH / "kill"
    folder.mkdir()
    env = serving.environment(folder)
    token, centre = serving.build_registry(folder, env, patients=50)
    lines, half_written = [], 0
    for trial in range(trials):
        result = serving.kill_while_writing(env, token, centre, writers=4, writes_before_kill=20, seed=trial)
        lines.append(
            f"  trial {trial + 1}: {result.acknowledged_writes} writes acknowledged before the kill, "
            f"{len(result.lost)} lost, {len(result.server_errors)} server errors"
        )
        half_written += len(result.lost)
    after = serving.verify(folder, env)
    half_written += sum(len(v) for v in after["unaudited"].values())
    half_written += sum(len(v) for v in after["orphan_audit"].values())
    lines.append(
        f"  integrity check: {'ok' if not after['integrity'] else after['integrity'][:3]}; "
        f"{after['patients']} patients, {after['audit_rows']} audit rows"
    )
    if after["integrity"]:
        half_written += 1
    return trials, half_written, lines


# --- 4. schemathesis operations × roles ---------------------------------------------------------------


def contract_figure() -> tuple[int, int]:
    summary = SCRATCH / "contract.json"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REMISSION_DATA_DIR")}
    env["REMISSION_TEST_SUMMARY"] = str(summary)
    command = [sys.executable, "-m", "pytest", "tests/api/test_contract.py", "-q", "-p", "no:cacheprovider"]
    subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    counts = json.loads(summary.read_text())
    failed = counts.get("failed", 0) + counts.get("error", 0)
    return counts.get("passed", 0) + failed, failed


# --- 5. soak ------------------------------------------------------------------------------------------


@dataclass
class SoakLog:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, kind: str, status: int, seconds: float, detail: str = "") -> None:
        with self.lock:
            if 400 <= status < 500 and len(self.refusals) < 3:
                self.refusals.append(f"{kind}: {status} {detail[:200]}")
            self.latencies.append(seconds)
            self.statuses[status] += 1
            self.kinds[kind] += 1
            if status >= 500 and status != serving.TRY_AGAIN:
                self.errors.append(f"{kind}: {status} {detail[:200]}")


class WebSession:
    """A signed-in browser: a cookie jar, no redirects followed."""

    def __init__(self, base: str, username: str, password: str) -> None:
        import http.cookiejar

        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        page = self.get("/signin/")[1]
        token = CSRF.search(page)
        assert token, "no CSRF token on the sign-in page"
        data = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password}
        ).encode()
        request = urllib.request.Request(self.base + "/signin/", data=data, headers={"Referer": self.base})
        with self.opener.open(request, timeout=120) as response:
            assert "/signin/" not in response.url, f"{username} could not sign in"

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=120) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")


def _soak_user(
    base: str, user: dict[str, Any], web: bool, think: float, until: float, log: SoakLog, seed: int
) -> None:
    rng = random.Random(seed)

    def timed(kind: str, send: Any) -> Any:
        began = time.perf_counter()
        try:
            status, body = send()
        except OSError as exc:
            with log.lock:
                log.refused += 1
                log.errors.append(f"{kind}: {exc}")
            return None
        log.note(kind, status, time.perf_counter() - began, str(body))
        return body if status < 400 else None

    def api(method: str, path: str, body: Any = None) -> Any:
        status, answer, _ = serving.call(base, user["token"], method, path, body)
        return status, answer

    first = timed("api list", lambda: api("GET", "/api/patients?page_size=100"))
    patients = [p["registry_id"] for p in (first or {}).get("results", [])]
    session = WebSession(base, user["username"], user["password"]) if web else None
    pages = max(1, ((first or {}).get("count", 0) + 49) // 50)
    while time.monotonic() < until:
        time.sleep(rng.expovariate(1 / think) if think > 0 else 0)
        if time.monotonic() >= until:
            return
        rid = rng.choice(patients) if patients else ""
        draw = rng.random()
        if session is not None:
            if draw < 0.5 or not rid:
                page = rng.randint(1, min(pages, 40))
                timed("web list", lambda page=page: session.get(f"/patients/?page={page}"))
            else:
                timed("web patient", lambda rid=rid: session.get(f"/patients/{rid}/"))
            continue
        if draw < 0.35 or not rid:
            page = rng.randint(1, min(pages, 40))
            timed("api list", lambda page=page: api("GET", f"/api/patients?page={page}"))
        elif draw < 0.6:
            timed("api patient", lambda rid=rid: api("GET", f"/api/patients/{rid}"))
        elif draw < 0.8 or not user["writes"]:
            timed("api follow-ups", lambda rid=rid: api("GET", f"/api/patients/{rid}/follow-ups"))
        else:
            body = {
                "date": "2024-03-01",
                "analyte": "cd4",
                "value": round(rng.uniform(100, 900)),
                "unit": "cells/uL",
                "reason": "soak",
            }
            timed(
                "api write", lambda rid=rid, body=body: api("POST", f"/api/patients/{rid}/lab-results", body)
            )


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def soak_figure(args: argparse.Namespace) -> list[str]:
    folder = SCRATCH / "soak"
    folder.mkdir()
    env = serving.environment(folder, args.soak_database_url)
    _ensure_database(args.soak_database_url)
    patients = _patient_count(args.soak_database_url)
    if patients == 0:
        print(f"  building the soak registry: remission synth --patients {args.soak_patients}", flush=True)
        serving.remission(
            env, "synth", "--patients", str(args.soak_patients), "--seed", "1", "--validate", "none"
        )
        patients = _patient_count(args.soak_database_url)
    serving.script(env, "soak-users", folder, str(args.users))
    users = json.loads((folder / "users.json").read_text())
    server = serving.start_server(env, threads=args.threads)
    try:
        rss_start = server.rss_kib()
        load_before = _load()
        log = SoakLog()
        until = time.monotonic() + args.minutes * 60
        threads = [
            threading.Thread(
                target=_soak_user,
                args=(server.base, user, number % 2 == 1, args.think, until, log, number),
                daemon=True,
            )
            for number, user in enumerate(users)
        ]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - began
        rss_end = server.rss_kib()
        load_after = _load()
    finally:
        server.stop()
    requests = sum(log.statuses.values())
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(log.kinds.items()))
    database = args.soak_database_url.rsplit("/", 1)[1]
    lines = [
        f"  {args.users} users × {args.minutes:g} min (think time mean {args.think:g} s, "
        f"{args.threads} server threads) on {database} ({patients} patients before the soak)",
        f"  requests: {requests} ({requests / seconds:.1f}/s; {kinds})",
        f"  errors: {len(log.errors)} (5xx other than 503: "
        f"{sum(n for s, n in log.statuses.items() if s >= 500 and s != serving.TRY_AGAIN)}, "
        f"503 try again: {log.statuses.get(serving.TRY_AGAIN, 0)}, refused connections: {log.refused})",
        f"  statuses: {dict(sorted(log.statuses.items()))}",
        f"  latency: p50 {_percentile(log.latencies, 0.5) * 1000:.0f} ms, "
        f"p95 {_percentile(log.latencies, 0.95) * 1000:.0f} ms, "
        f"mean {statistics.fmean(log.latencies) * 1000 if log.latencies else float('nan'):.0f} ms",
        f"  server memory (VmRSS): {rss_start / 1024:.0f} MiB at start, {rss_end / 1024:.0f} MiB at the end",
        f"  load average: before {load_before}; after {load_after}",
    ]
    lines += [f"  error: {e}" for e in log.errors[:5]]
    lines += [f"  refused by a rule (4xx), e.g.: {r}" for r in log.refusals]
    return lines


def _ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def _patient_count(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as connection:
        exists = connection.execute("SELECT to_regclass('registry_patient')").fetchone()[0]
        return connection.execute("SELECT count(*) FROM registry_patient").fetchone()[0] if exists else 0


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- main ---------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="soak: concurrent users (default 50)")
    parser.add_argument("--minutes", type=float, default=5, help="soak: minutes (default 5)")
    parser.add_argument("--think", type=float, default=1.0, help="soak: mean think time, seconds (default 1)")
    parser.add_argument("--threads", type=int, default=8, help="soak: server threads (default 8)")
    parser.add_argument(
        "--soak-database-url",
        default="postgres://postgres@127.0.0.1:5432/remission_h_soak",
        help="soak: the PostgreSQL registry (built with remission synth when it has no patients)",
    )
    parser.add_argument("--soak-patients", type=int, default=2000, help="soak: patients to synthesise")
    parser.add_argument("--kill-trials", type=int, default=3, help="kill -9 trials (default 3)")
    parser.add_argument("--skip", default="", help=f"comma-separated parts to skip: {', '.join(PARTS)}")
    args = parser.parse_args()
    skip = {p.strip() for p in args.skip.split(",") if p.strip()}
    unknown = skip - set(PARTS)
    if unknown:
        parser.error(f"unknown parts {sorted(unknown)}: choose from {', '.join(PARTS)}")

    from remission.settings.startup import start_django

    start_django()
    print(f"Reliability figures (scratch folder {SCRATCH}; load average {_load()})", flush=True)
    failed = False
    if "audit" not in skip or "tamper" not in skip:
        made, audited, kinds = audit_figure()
        share = 100 * audited / made if made else 0
        print(f"writes made / audited: {made} / {audited} ({share:.1f} %) — {kinds}", flush=True)
        failed |= audited != made
    if "tamper" not in skip:
        attempts, detected, lines = tamper_figure()
        print(f"tamper attempts detected: {detected} / {attempts}", flush=True)
        print("\n".join(lines), flush=True)
        failed |= detected != attempts
    if "kill" not in skip:
        trials, half, lines = kill_figure(args.kill_trials)
        print(f"kill -9 trials run / records half-written: {trials} / {half}", flush=True)
        print("\n".join(lines), flush=True)
        failed |= half != 0
    if "contract" not in skip:
        cases, errors = contract_figure()
        print(f"schemathesis operations × roles / server errors: {cases} / {errors}", flush=True)
        failed |= errors != 0
    if "soak" not in skip:
        lines = soak_figure(args)
        print("soak:", flush=True)
        print("\n".join(lines), flush=True)
    shutil.rmtree(SCRATCH, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
