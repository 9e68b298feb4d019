"""Data quality at 100,000 patients on PostgreSQL: every rule over the registry, and the work-list page.

    remission synth --patients 100000 --seed 1 --validate none \
        --database-url postgres://postgres@127.0.0.1:5432/remission_quality_bench
    vacuumdb -h 127.0.0.1 -U postgres --analyze-only remission_quality_bench
    python3 benchmarks/quality.py [--database-url postgres://…/remission_quality_bench] [--requests 60]

(An empty database is built with the first command, in a child process, before anything is timed.)

Part 1, the rules: ``remission quality run`` as the command line runs it
(``registry.services.quality_run``: refresh every time point, read the registry once, evaluate every
rule, open, close and re-open the rules' queries, audit every transition) — first on a registry with no
rule queries (the rule queries a previous run left are deleted first, unless ``--keep-queries``; their
audit rows stay, the audit trail is append-only), where every finding opens a query, then again on the
same data, where nothing changes (the daily run). Target: ≤ 60 s for all rules over 100,000 patients.
The evaluation alone (read + rules, no writes) is timed as well.

Part 2, the work list (URL name ``worklist``): Django's test client, signed in (``force_login``: the
password hash is not what is measured) as a centre data manager of the largest centre and as a registry
data coordinator (both made here through the registry services if missing), ``--requests`` page views
each (at least 50; the first few, which warm caches and connections, are left out of the figures), each
timed from request to full response. Target: p95 ≤ 300 ms. The load average is printed before and
after: on a shared machine wall time includes waiting for a core.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/remission_quality_bench"
TARGET_PATIENTS = 100_000
RULES_TARGET_SECONDS = 60.0
WORKLIST_TARGET_MS = 300.0
WARM_UP = 3
MANAGER = "bench-quality-manager"
COORDINATOR = "bench-quality-coordinator"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default=os.environ.get("REMISSION_BENCH_QUALITY_DB", DEFAULT_DATABASE)
    )
    parser.add_argument("--patients", type=int, default=TARGET_PATIENTS, help="to build an empty database")
    parser.add_argument("--requests", type=int, default=60, help="work-list page views per user (≥ 50)")
    parser.add_argument("--keep-queries", action="store_true", help="do not delete earlier rule queries")
    parser.add_argument("--part", choices=("rules", "worklist", "both"), default="both")
    args = parser.parse_args()
    args.requests = max(args.requests, 50)

    _ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    sys.path.insert(0, str(ROOT / "src"))
    from remission.cli._django import database_label
    from remission.settings.startup import start_django

    start_django()
    from remission.registry.models import Patient

    patients = Patient.objects.count()
    if not patients:
        _build(args.database_url, args.patients)
        patients = Patient.objects.count()
    print(f"Database: {database_label()}; {patients:,} patients in the registry")
    verdicts = []
    if args.part in ("rules", "both"):
        verdicts.append(rules_part(patients, keep=args.keep_queries))
    if args.part in ("worklist", "both"):
        verdicts.append(worklist_part(patients, args.requests))
    return 0 if all(verdicts) else 1


# --- part 1: the rules --------------------------------------------------------------------------------------


def rules_part(patients: int, *, keep: bool) -> bool:
    from remission.registry.access import SYSTEM
    from remission.registry.models import Query
    from remission.registry.quality.evaluate import evaluate
    from remission.registry.services.quality_run import quality_run

    print("\n== All rules over the registry ==")
    if not keep:
        started = time.perf_counter()
        deleted = Query.objects.exclude(rule="").delete()[1].get("registry.Query", 0)
        seconds = time.perf_counter() - started
        print(f"Deleted {deleted:,} rule queries of earlier runs ({seconds:.1f} s, not timed)")
    print(f"Load average before: {_load_average()}")
    started, cpu = time.perf_counter(), time.process_time()
    evaluation = evaluate()
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"Evaluation alone (read + every rule, no writes): {seconds:.1f} s, CPU of this process "
        f"{cpu_seconds:.1f} s; {len(evaluation.findings):,} findings"
    )
    worst = worst_rules = 0.0
    for label in ("first run (every finding opens a query)", "second run on the same data (the daily run)"):
        steps: list[tuple[str, float]] = []

        def progress(step: str, steps: list[tuple[str, float]] = steps) -> None:
            steps.append((step, time.perf_counter()))

        started, cpu = time.perf_counter(), time.process_time()
        summary = quality_run(actor=SYSTEM, progress=progress)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        worst = max(worst, seconds)
        print(
            f"\n{label}: {seconds:.1f} s (CPU of this process {cpu_seconds:.1f} s); "
            f"{summary.total_findings:,} findings in {summary.patients:,} patients; queries opened "
            f"{summary.opened:,}, closed {summary.closed:,}, re-opened {summary.reopened:,}"
        )
        previous = started
        for step, at in steps:
            print(f"  {step:<32} {at - previous:6.1f} s")
            previous = at
        print(f"  {'audit row and commit':<32} {started + seconds - previous:6.1f} s")
        refresh = steps[0][1] - started if steps else 0.0
        rules_only = seconds - refresh
        worst_rules = max(worst_rules, rules_only)
        print(f"  the rules without the time-point refresh (read, evaluate, queries): {rules_only:.1f} s")
        for rule_id, count in summary.findings.items():
            print(f"    {rule_id:<30} {count:>8,}")
        print(f"  load average after it: {_load_average()}")
    rules_ok = _verdict("rules, slowest run", worst_rules, RULES_TARGET_SECONDS, "s", patients)
    return (
        _verdict("whole run with the time points, slowest", worst, RULES_TARGET_SECONDS, "s", patients)
        and rules_ok
    )


# --- part 2: the work list ----------------------------------------------------------------------------------


def worklist_part(patients: int, requests: int) -> bool:
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    print("\n== The work list page ==")
    try:
        url = reverse("worklist")
    except NoReverseMatch:
        print("The URL name 'worklist' is not in web/urls.py yet: nothing to measure")
        return False
    users = _bench_users()
    print(f"Load average before: {_load_average()}")
    ok = True
    for role, user in users.items():
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        times, statuses = [], set()
        for i in range(requests + WARM_UP):
            started = time.perf_counter()
            response = client.get(url if i % 2 == 0 else f"{url}?page=2")
            _ = response.content
            elapsed = (time.perf_counter() - started) * 1000
            statuses.add(response.status_code)
            if i >= WARM_UP:
                times.append(elapsed)
        p95 = _percentile(times, 0.95)
        print(
            f"{role}: {len(times)} page views, status {sorted(statuses)}; "
            f"p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms, max {max(times):.0f} ms"
        )
        ok &= statuses == {200} and _verdict(f"{role} p95", p95, WORKLIST_TARGET_MS, "ms", patients)
    print(f"Load average after: {_load_average()}")
    return ok


def _bench_users() -> dict[str, Any]:
    """A data manager of the largest centre and a registry data coordinator, made through the services."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from remission.registry import services
    from remission.registry.access import SYSTEM
    from remission.registry.codes import Role
    from remission.registry.models import Centre, Membership

    centre = Centre.objects.annotate(n=Count("patients")).order_by("-n").first()
    wanted = {
        MANAGER: (Role.CENTRE_DATA_MANAGER, centre),
        COORDINATOR: (Role.REGISTRY_DATA_COORDINATOR, None),
    }
    users = {}
    for name, (role, at) in wanted.items():
        user = get_user_model().objects.filter(username=name).first()
        if user is None:
            user = services.user_create(
                actor=SYSTEM, username=name, password="bench-quality-not-for-sign-in-7"
            )
        if not Membership.objects.filter(user=user, role=role).exists():
            services.membership_grant(actor=SYSTEM, user=user, role=role, centre=at)
        label = (
            f"centre data manager ({centre.code}, {centre.n:,} patients)"
            if at
            else "registry data coordinator"
        )
        users[label] = user
    return users


# --- helpers ------------------------------------------------------------------------------------------------


def _ensure_database(url: str) -> None:
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def _build(url: str, patients: int) -> None:
    print(f"Building the registry: remission synth --patients {patients} (not timed)", flush=True)
    env = {**os.environ, "DATABASE_URL": url}
    command = [sys.executable, "-m", "remission", "synth", "--patients", str(patients), "--seed", "1"]
    subprocess.run([*command, "--validate", "none"], env=env, check=True)
    subprocess.run(["vacuumdb", "--analyze-only", "-d", url], check=False)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _verdict(what: str, value: float, target: float, unit: str, patients: int) -> bool:
    if patients < TARGET_PATIENTS:
        target_words = f"the {target:.0f} {unit} target is for {TARGET_PATIENTS:,} patients"
        print(f"  ({what} {value:.1f} {unit}; {target_words})")
        return True
    verdict = "within" if value <= target else "over"
    print(f"  {what} {value:.1f} {unit}: {verdict} the {target:.0f} {unit} target")
    return value <= target


def _load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


if __name__ == "__main__":
    raise SystemExit(main())
