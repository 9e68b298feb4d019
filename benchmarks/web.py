"""Web benchmark: signed-in users on a mixed workload against ``remission serve`` (waitress) on 127.0.0.1.

    python3 benchmarks/web.py [--database-url postgres://postgres@127.0.0.1:5432/remission_bench_web]
                              [--patients 2000] [--users 50] [--seconds 60] [--threads 8]
                              [--think 5] [--mode both|think|capacity]

1. Prepares the database (created if missing): migrations and the demo logins. On an empty database it
   builds the demo registry and then example patient courses up to ``--patients``; on a registry built by
   ``remission synth`` (e.g. a copy of the 100,000-patient one) it only adds the demo logins, at the
   synthetic centres of the same codes (``syn-leiden`` …), through the registry services.
2. Starts ``remission serve`` (waitress, ``--threads`` worker threads) on a free port of 127.0.0.1, in a
   child process. The server adds a ``Server-Timing: app;dur=<ms>`` header: the time inside the
   application, so that the client's latency splits into work and waiting for a free thread.
3. Warms the outcomes cache: the report of each outcomes query the workload asks for is computed once,
   by one request per (user, query), as the first visitor of the day would. These first computations are
   timed and printed apart; the measured runs then read the cached report (kept 15 minutes, longer than
   the runs), which is what a warmed deployment serves.
4. Runs ``--users`` clients (the demo data manager and statistician, alternately) for ``--seconds`` each
   in two modes (``--mode both``, the default):

   * **think**: each user waits a think time drawn from an exponential distribution with mean ``--think``
     seconds (default 5) after each answer before the next click, as a person reading a page does. This is
     what 50 people at their desks see. The target is p95 under 300 ms for page views, no errors.
   * **capacity**: no think time; each user clicks again the moment the answer arrives (closed loop). The
     server is saturated, so this measures the maximum throughput; its latencies are queueing
     (p95 is about users / throughput) and are not what a person sees.

   Workload: patient list with filters (40 %), patient page (30 %), data entry (15 %: the laboratory-result
   form, then the result saved; the save must answer with the redirect to the patient page), outcomes page
   (15 %). The statistician may not write, so their data-entry clicks are patient pages. Traffic goes only
   to 127.0.0.1; each client stops after ``MAX_REQUESTS_PER_USER`` requests or at the end of the run.
5. Prints, per mode, throughput and p50/p95/p99 latency per kind of request (client-side and inside the
   application), the errors, and the load average of the machine before and after.
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
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_REQUESTS_PER_USER = 5000
PASSWORD = "remission-demo"
USERS = ("datamanager", "statistician")
OWN: dict[str, str | None] = {"datamanager": None, "statistician": None}  # centre codes (None: all)
WORKLOAD = (("list", 0.40), ("patient", 0.30), ("entry", 0.15), ("outcomes", 0.15))
OUTCOMES_QUERIES = ("", "?disease=ssc&by=", "?disease=ms&by=")
LIST_QUERIES = (
    "",
    "?disease=ssc",
    "?status=alive&infusion_year=2015",
    "?flag=follow_up_overdue",
    "?flag=no_engraftment",
    "?search={prefix}",
    "?page=5",
    "?disease=ms&page=3",
)
TARGET_P95_MS = 300
SERVER_LOG = Path(tempfile.gettempdir()) / "remission-web-benchmark-server.log"
SIGN_IN_TIMEOUT = 300  # signing in hashes the password on purpose (slow); it is not measured
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def prepare(database_url: str, patients: int) -> list[tuple[str, str, bool]]:
    """Migrate, add the demo logins (and, on an empty database, patients); return (registry ID, centre,
    alive) of up to 2,000 patients."""
    os.environ["DATABASE_URL"] = database_url
    _create_database(database_url)
    sys.path.insert(0, str(ROOT / "src"))
    from remission.settings.startup import start_django

    start_django()
    from remission.cli.migrate import migrate_database

    migrate_database()
    from remission.registry.models import Membership, Patient

    if not Patient.objects.exists():
        _build_demo_and_courses(patients)
    else:
        _ensure_demo_logins()
    print(f"database: {Patient.objects.count()} patients", flush=True)
    home = (
        Membership.objects.filter(user__username="datamanager").values_list("centre__code", flat=True).first()
    )
    OWN["datamanager"] = home
    from django.db.models import Exists, OuterRef

    from remission.registry.codes import OutcomeType
    from remission.registry.models import OutcomeEvent

    death = OutcomeEvent.objects.filter(patient=OuterRef("pk"), event_type=OutcomeType.DEATH)
    rows = Patient.objects.annotate(dead=Exists(death)).order_by("?")
    return [
        (rid, centre, not dead)
        for rid, centre, dead in rows.values_list("registry_id", "centre__code", "dead")[:2000]
    ]


def _build_demo_and_courses(patients: int) -> None:
    from remission.registry.access import SYSTEM
    from remission.registry.models import Centre, Patient
    from remission.synth import demo
    from remission.synth.course import record_example_course

    demo.build_demo(seed=1)
    have = Patient.objects.count()
    rng = random.Random(11)
    centres = list(Centre.objects.filter(is_demo=True))
    started = time.perf_counter()
    for i in range(max(0, patients - have)):
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


def _ensure_demo_logins() -> None:
    """The demo logins on a registry that has patients but not them (``remission synth`` builds none)."""
    from django.contrib.auth import get_user_model

    from remission.registry import services
    from remission.registry.access import SYSTEM
    from remission.registry.models import Centre
    from remission.synth import demo

    User = get_user_model()
    for login in demo.DEMO_LOGINS:
        if User.objects.filter(username=login.username).exists():
            continue
        centre = None
        if login.centre:
            centre = Centre.objects.filter(code=login.centre).first()
            if centre is None:
                raise SystemExit(
                    f"the database has no centre {login.centre!r} for the demo login {login.username}"
                )
        user = services.user_create(
            actor=SYSTEM, username=login.username, password=demo.DEMO_PASSWORD, reason="web benchmark"
        )
        services.membership_grant(
            actor=SYSTEM, user=user, role=login.role, centre=centre, valid_from=dt.date(2000, 1, 1)
        )
        print(f"  added login {login.username} ({login.role} {login.centre or 'all centres'})", flush=True)


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
    command = [sys.executable, "-m", "remission", "serve", f"--port={port}", f"--threads={threads}"]
    log = SERVER_LOG.open("w")  # the server's warnings and tracebacks, read after a failed run
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/signin/", timeout=30)
            return process
        except OSError:  # not listening yet (URLError, ConnectionError and timeouts are OSErrors)
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    location: str
    app_ms: float | None  # from the Server-Timing header


class User:
    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        cookies = urllib.request.HTTPCookieProcessor(self.jar)
        self.opener = urllib.request.build_opener(cookies, _NoRedirect)
        self.username = username
        token = CSRF.search(self.get("/signin/", timeout=SIGN_IN_TIMEOUT).body).group(1)
        data = {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}
        answer = self.post("/signin/", data, timeout=SIGN_IN_TIMEOUT)
        if answer.status != 302:
            raise SystemExit(f"sign-in of {username} failed (HTTP {answer.status})")

    def _open(self, request: urllib.request.Request | str, timeout: float) -> Answer:
        try:
            response = self.opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as exc:
            if exc.code not in (301, 302, 303):
                raise
            response = exc
        with response:
            timing = re.search(r"app;dur=([0-9.]+)", response.headers.get("Server-Timing", ""))
            return Answer(
                response.status,
                response.read().decode(),
                response.headers.get("Location", ""),
                float(timing.group(1)) if timing else None,
            )

    def get(self, path: str, timeout: float = 60) -> Answer:
        return self._open(self.base + path, timeout)

    def post(self, path: str, data: dict[str, str], timeout: float = 60) -> Answer:
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})
        return self._open(request, timeout)


@dataclass
class Results:
    client: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # seconds
    app: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # milliseconds
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    elapsed: float = 0.0


class Unexpected(Exception):
    """An answer that is not the page (or the redirect) asked for."""


def _expect(answer: Answer, status: int, what: str) -> Answer:
    if answer.status != status:
        raise Unexpected(f"{what}: HTTP {answer.status}, expected {status}")
    return answer


def _click(
    user: User, kind: str, rid: str, rng: random.Random, record: Callable[[str, Answer], Answer]
) -> None:
    if kind == "list":
        query = rng.choice(LIST_QUERIES).format(prefix=rid[:-2])
        record("list", _expect(user.get("/patients/" + query), 200, "patient list"))
    elif kind == "patient":
        record("patient", _expect(user.get(f"/patients/{rid}/"), 200, "patient page"))
    elif kind == "outcomes":
        answer = user.get("/outcomes/" + rng.choice(OUTCOMES_QUERIES))
        record("outcomes", _expect(answer, 200, "outcomes"))
    else:
        form = record("entry-form", _expect(user.get(f"/patients/{rid}/lab-result/new/"), 200, "entry form"))
        day = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 600))
        data = {
            "csrfmiddlewaretoken": CSRF.search(form.body).group(1),
            "date": day.isoformat(),
            "analyte": "cd4",
            "value": str(rng.randint(100, 900)),
            "unit": "cells/uL",
            "reason": "benchmark",
        }
        saved = user.post(f"/patients/{rid}/lab-result/new/", data)
        if saved.status == 200:
            problems = re.findall(r'class="errorlist[^>]*><li>([^<]+)', saved.body)
            raise Unexpected(f"lab result not saved: {'; '.join(problems)[:120] or 'form shown again'}")
        record("entry-save", _expect(saved, 302, "lab result save"))


class Clock:
    """Records the requests of one click: each is timed from the end of the previous one."""

    def __init__(self, results: Results, lock: threading.Lock) -> None:
        self.results = results
        self.lock = lock
        self.last = time.perf_counter()

    def __call__(self, name: str, answer: Answer) -> Answer:
        now = time.perf_counter()
        with self.lock:
            self.results.client[name].append(now - self.last)
            if answer.app_ms is not None:
                self.results.app[name].append(answer.app_ms)
        self.last = now
        return answer


def sign_in(base: str, count: int) -> list[User]:
    """``count`` signed-in users, the data manager and the statistician alternately (four at a time)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda i: User(base, USERS[i % 2]), range(count)))


def run(
    base: str, patients: list[tuple[str, str, bool]], users: list[User], seconds: float, think: float
) -> Results:
    results = Results()
    lock = threading.Lock()
    deadline = [time.perf_counter() + seconds + 60]  # set when every thread has started
    start_gate = threading.Barrier(len(users) + 1)

    def worker(index: int) -> None:
        user = users[index]
        username = user.username
        rng = random.Random(index + int(think * 1000))
        mine = [rid for rid, centre, _ in patients if OWN[username] in (None, centre)]
        # a result dated after a death is refused (rightly): data entry goes to living patients
        living = [rid for rid, centre, alive in patients if alive and OWN[username] in (None, centre)]
        start_gate.wait()
        if think:  # users do not all click at the same instant
            time.sleep(min(rng.expovariate(1 / think), seconds))
        for _ in range(MAX_REQUESTS_PER_USER):
            if time.perf_counter() > deadline[0]:
                break
            kind = rng.choices([k for k, _ in WORKLOAD], [w for _, w in WORKLOAD])[0]
            if kind == "entry" and username != "datamanager":
                kind = "patient"
            rid = rng.choice(living if kind == "entry" else mine)

            try:
                _click(user, kind, rid, rng, Clock(results, lock))
            except Exception as exc:  # every failure is counted and reported
                with lock:
                    results.errors[f"{kind}: {type(exc).__name__}: {str(exc)[:120]}"] += 1
            if think:
                time.sleep(min(rng.expovariate(1 / think), max(0.0, deadline[0] - time.perf_counter())))

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(len(users))]
    for t in threads:
        t.start()
    start_gate.wait()
    began = time.perf_counter()
    deadline[0] = began + seconds
    for t in threads:
        t.join(timeout=seconds + 120)
    results.elapsed = time.perf_counter() - began
    return results


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def report(title: str, results: Results, load_before: str, load_after: str, *, judged: bool = True) -> bool:
    """Print one run; True when page views met the target with no errors. A run that is not ``judged``
    against the latency target (the saturated capacity run) only has to be free of errors."""
    total = sum(len(v) for v in results.client.values())
    errors = sum(results.errors.values())
    print(f"\n== {title}")
    print(f"load average (1/5/15 min) before: {load_before}   after: {load_after}")
    print(
        f"throughput: {total / results.elapsed:.1f} requests/s "
        f"({total} requests in {results.elapsed:.0f} s), errors: {errors}"
    )
    print(
        f"{'kind':<12}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'mean ms':>9}"
        f"{'app p50':>9}{'app p95':>9}{'app p99':>9}"
    )
    everything = [v for vs in results.client.values() for v in vs]
    app_everything = [v for vs in results.app.values() for v in vs]
    for kind, values in [*sorted(results.client.items()), ("all", everything)]:
        if not values:
            continue
        app = app_everything if kind == "all" else results.app.get(kind, [])
        server = (
            f"{percentile(app, 50):>9.0f}{percentile(app, 95):>9.0f}{percentile(app, 99):>9.0f}"
            if app
            else ""
        )
        print(
            f"{kind:<12}{len(values):>6}{percentile(values, 50) * 1000:>9.0f}"
            f"{percentile(values, 95) * 1000:>9.0f}{percentile(values, 99) * 1000:>9.0f}"
            f"{statistics.mean(values) * 1000:>9.0f}{server}"
        )
    for message, count in sorted(results.errors.items()):
        print(f"error ×{count}: {message}")
    if errors:
        print(f"(the server's log: {SERVER_LOG})")
    views = [v for k, vs in results.client.items() if k != "entry-save" for v in vs]
    p95 = percentile(views, 95) * 1000 if views else float("inf")
    if not judged:
        print(f"page views (all but the save) p95: {p95:.0f} ms (saturated, so queueing: not judged)")
        return not errors
    met = p95 < TARGET_P95_MS and not errors
    print(
        f"page views (all but the save) p95: {p95:.0f} ms; target p95 < {TARGET_P95_MS} ms, no errors: "
        f"{'met' if met else 'NOT met'}"
    )
    return met


JOB_STATUS = re.compile(r'data-testid="job" data-status="([a-z]+)"')
JOB_POLL_SECONDS = 2.0


def _computed_page(user: User, path: str) -> Answer:
    """The outcomes page at ``path``: on a cold cache the page answers with a redirect to its background
    job's page, which is followed until the job has finished; then the page itself."""
    answer = user.get(path)
    if answer.status != 302:
        return answer
    job = urllib.parse.urlsplit(answer.location).path
    while (status := JOB_STATUS.search(user.get(job).body)) and status.group(1) in ("queued", "running"):
        time.sleep(JOB_POLL_SECONDS)
    return user.get(path)


def warm_outcomes(base: str) -> None:
    print("\nwarming the outcomes cache (first computation of each report; not in the measured runs):")
    for username in USERS:
        user = User(base, username)
        for query in OUTCOMES_QUERIES:
            started = time.perf_counter()
            answer = _computed_page(user, "/outcomes/" + query)
            print(
                f"  {username:<13} /outcomes/{query:<18} HTTP {answer.status} "
                f"{time.perf_counter() - started:6.1f} s (load average {load_average()})",
                flush=True,
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/remission_bench_web")
    parser.add_argument("--patients", type=int, default=2000, help="patients to build on an empty database")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60, help="length of each measured run")
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    parser.add_argument("--think", type=float, default=5.0, help="mean think time between clicks, seconds")
    parser.add_argument("--mode", choices=("both", "think", "capacity"), default="both")
    args = parser.parse_args()
    patients = prepare(args.database_url, args.patients)
    port = free_port()
    server = start_server(args.database_url, port, args.threads)
    base = f"http://127.0.0.1:{port}"
    outcome = []
    try:
        warm_outcomes(base)
        started = time.perf_counter()
        users = sign_in(base, args.users)
        print(
            f"{len(users)} users signed in ({time.perf_counter() - started:.0f} s, not measured)", flush=True
        )
        setting = f"{args.users} users, waitress {args.threads} threads, {len(patients)} sampled patients"
        if args.mode in ("both", "think"):
            before = load_average()
            results = run(base, patients, users, args.seconds, args.think)
            title = f"think time: exponential, mean {args.think:g} s, {setting} (what users see)"
            outcome.append(report(title, results, before, load_average()))
        if args.mode in ("both", "capacity"):
            before = load_average()
            results = run(base, patients, users, args.seconds, 0.0)
            title = f"capacity: no think time, {setting} (saturated: latency is queueing)"
            outcome.append(report(title, results, before, load_average(), judged=False))
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0 if all(outcome) else 1


if __name__ == "__main__":
    raise SystemExit(main())
