"""Web benchmark: signed-in users on a mixed workload against a multi-threaded WSGI server on 127.0.0.1.

    python3 benchmarks/web.py [--database-url postgres://postgres@127.0.0.1:5432/remission_bench_web]
                              [--patients 2000] [--users 50] [--seconds 60] [--threads 16]

1. Prepares the database (created if missing): migrations, the demo logins, and example patient courses
   through the registry services up to ``--patients`` (``remission synth --patients 100000`` builds the
   calibrated 100,000-patient registry once it exists; point ``--database-url`` at it and the build is
   skipped because the patients are there).
2. Starts waitress (``--threads`` worker threads) on 127.0.0.1 on a free port, in a child process.
3. Signs in ``--users`` clients (the demo data manager and statistician, alternately) and runs them for
   ``--seconds``: patient list with filters (40 %), patient page (30 %), data entry (15 %: the assessment
   form, then a laboratory result saved), outcomes page (15 %). Traffic goes only to 127.0.0.1, and each
   client stops after ``MAX_REQUESTS_PER_USER`` requests.
4. Prints throughput and p50/p95/p99 latency per kind of request, and the errors.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_REQUESTS_PER_USER = 5000
PASSWORD = "remission-demo"
OWN: dict[str, str | None] = {"datamanager": None, "statistician": None}  # centre codes (None: all)
WORKLOAD = (("list", 0.40), ("patient", 0.30), ("entry", 0.15), ("outcomes", 0.15))


def prepare(database_url: str, patients: int) -> list[str]:
    """Migrate, build the demo and example courses up to ``patients``; return some registry IDs."""
    os.environ["DATABASE_URL"] = database_url
    _create_database(database_url)
    sys.path.insert(0, str(ROOT / "src"))
    from remission.cli._django import setup_django

    setup_django()
    from remission.cli.migrate import migrate_database

    migrate_database()
    from remission.registry.access import SYSTEM
    from remission.registry.models import Centre, Patient
    from remission.synth import demo
    from remission.synth.course import record_example_course

    if not demo.demo_exists():
        demo.build_demo(seed=1)
    have = Patient.objects.count()
    if have < patients:
        rng = random.Random(11)
        centres = list(Centre.objects.filter(is_demo=True))
        started = time.perf_counter()
        for i in range(patients - have):
            day0 = dt.date(2008, 1, 1) + dt.timedelta(days=rng.randint(0, 16 * 365))
            record_example_course(
                actor=SYSTEM,
                centre=centres[i % len(centres)],
                rng=rng,
                day0=day0,
                disease=rng.choice(["ssc", "ms"]),
                dies=rng.random() < 0.07,
            )
            if (i + 1) % 500 == 0:
                print(f"  built {have + i + 1} patients ({time.perf_counter() - started:.0f} s)", flush=True)
    print(f"database: {Patient.objects.count()} patients", flush=True)
    from remission.registry.models import Membership

    home = (
        Membership.objects.filter(user__username="datamanager").values_list("centre__code", flat=True).first()
    )
    OWN["datamanager"] = home
    return list(Patient.objects.order_by("?").values_list("registry_id", "centre__code")[:2000])


def _create_database(url: str) -> None:
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(database_url: str, port: int, threads: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "remission.settings.base"}
    env["PYTHONPATH"] = str(ROOT / "src")
    command = [
        sys.executable,
        "-m",
        "waitress",
        "--host=127.0.0.1",
        f"--port={port}",
        f"--threads={threads}",
        "--connection-limit=200",
        "--channel-timeout=30",
        "remission.wsgi:application",
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/signin/", timeout=2)
            return process
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start")


class User:
    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.username = username
        page = self.opener.open(f"{base}/signin/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        self.post("/signin/", {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD})

    def get(self, path: str, timeout: float = 60) -> tuple[int, str]:
        with self.opener.open(self.base + path, timeout=timeout) as response:
            return response.status, response.read().decode()

    def post(self, path: str, data: dict[str, str]) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})
        with self.opener.open(request, timeout=60) as response:
            return response.status, response.read().decode()


def run(base: str, patients: list[tuple[str, str]], users: int, seconds: float) -> tuple[dict, dict, float]:
    timings: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds + 5  # sign-in is not measured
    start_gate = threading.Barrier(users + 1)

    def worker(index: int) -> None:
        username = "datamanager" if index % 2 == 0 else "statistician"
        rng = random.Random(index)
        user = User(base, username)
        mine = [rid for rid, centre in patients if OWN[username] in (None, centre)]
        start_gate.wait()
        for _ in range(MAX_REQUESTS_PER_USER):
            if time.perf_counter() > deadline:
                break
            kind = rng.choices([k for k, _ in WORKLOAD], [w for _, w in WORKLOAD])[0]
            if kind == "entry" and username != "datamanager":
                kind = "patient"
            rid = rng.choice(mine)
            started = time.perf_counter()
            try:
                if kind == "list":
                    query = rng.choice(
                        [
                            "",
                            "?disease=ssc",
                            "?status=alive&infusion_year=2015",
                            "?flag=follow_up_overdue",
                            f"?search={rid[:3]}",
                            "?page=5",
                        ]
                    )
                    user.get("/patients/" + query)
                elif kind == "patient":
                    user.get(f"/patients/{rid}/")
                elif kind == "outcomes":
                    user.get("/outcomes/" + rng.choice(["", "?disease=ssc&by=", "?disease=ms&by="]))
                else:
                    _, form = user.get(f"/patients/{rid}/lab-result/new/")
                    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
                    day = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 600))
                    data = {
                        "csrfmiddlewaretoken": token,
                        "date": day.isoformat(),
                        "analyte": "cd4",
                        "value": str(rng.randint(100, 900)),
                        "unit": "cells/uL",
                        "reason": "benchmark",
                    }
                    user.post(f"/patients/{rid}/lab-result/new/", data)
            except Exception as exc:  # every failure is counted and reported
                with lock:
                    errors[f"{kind}: {type(exc).__name__}: {str(exc)[:80]}"] += 1
                continue
            elapsed = time.perf_counter() - started
            with lock:
                timings[kind].append(elapsed)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(users)]
    for t in threads:
        t.start()
    start_gate.wait()
    began = time.perf_counter()
    deadline = began + seconds
    for t in threads:
        t.join(timeout=seconds + 120)
    return timings, errors, time.perf_counter() - began


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/remission_bench_web")
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    patients = prepare(args.database_url, args.patients)
    port = free_port()
    server = start_server(args.database_url, port, args.threads)
    try:
        # warm the outcomes cache once, as the first visitor of the day would (timed apart)
        warm_started = time.perf_counter()
        warm = User(f"http://127.0.0.1:{port}", "statistician")
        for q in ("", "?disease=ssc&by=", "?disease=ms&by="):
            warm.get("/outcomes/" + q, timeout=900)
        warm = User(f"http://127.0.0.1:{port}", "datamanager")
        for q in ("", "?disease=ssc&by=", "?disease=ms&by="):
            warm.get("/outcomes/" + q, timeout=900)
        print(f"outcomes cache warmed in {time.perf_counter() - warm_started:.0f} s", flush=True)
        timings, errors, elapsed = run(f"http://127.0.0.1:{port}", patients, args.users, args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    total = sum(len(v) for v in timings.values())
    print(
        f"\n{args.users} users, {elapsed:.0f} s, waitress {args.threads} threads, "
        f"{len(patients)} sampled patients"
    )
    print(f"throughput: {total / elapsed:.1f} requests/s ({total} requests), errors: {sum(errors.values())}")
    print(f"{'kind':<10}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'mean ms':>9}")
    for kind, values in [*sorted(timings.items()), ("all", [v for vs in timings.values() for v in vs])]:
        if values:
            print(
                f"{kind:<10}{len(values):>7}{percentile(values, 50):>9.0f}{percentile(values, 95):>9.0f}"
                f"{percentile(values, 99):>9.0f}{statistics.mean(values) * 1000:>9.0f}"
            )
    for message, count in errors.items():
        print(f"error ×{count}: {message}")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
