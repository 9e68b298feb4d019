"""A registry in a folder of its own, ``remission serve`` on it in a child process, and API writers.

Used by the fault tests (``tests/reliability``) and by ``benchmarks/reliability.py``. Everything runs in
child processes with their own environment (``DATABASE_URL`` or ``REMISSION_DATA_DIR``), so the test
process's database is never touched.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
START_ATTEMPTS = 300  # 0.2 s apart: a bound for the child to import Django, not a timing assertion
REQUEST_TIMEOUT = 60
TRY_AGAIN = 503  # the API's answer when the database is busy or its connection was lost


def environment(folder: Path, database_url: str = "") -> dict[str, str]:
    """The child processes' environment: ``database_url`` or, when empty, SQLite in ``folder``."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["REMISSION_DATA_DIR"] = str(folder)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), str(ROOT), env.get("PYTHONPATH", "")])
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def remission(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "remission", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=check)


def script(env: dict[str, str], action: str, folder: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tests.reliability.registry_script", action, str(folder), *extra]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise AssertionError(f"registry_script {action} failed: {done.stderr[-3000:]}")
    return done


def build_registry(folder: Path, env: dict[str, str], patients: int = 50) -> tuple[str, str]:
    """A small synthetic registry (every row audited) and a data manager's token; (token, centre code)."""
    if patients:
        remission(env, "synth", "--patients", str(patients), "--seed", "3", "--audit", "record")
    script(env, "prepare", folder)
    return (folder / "token").read_text().strip(), (folder / "centre").read_text().strip()


def verify(folder: Path, env: dict[str, str]) -> dict[str, Any]:
    return json.loads(script(env, "verify", folder).stdout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_kib(self) -> int:
        """The server's resident memory (VmRSS from /proc), in KiB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
        return int(line.split()[1])

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no cleanup, no atexit, the transaction in flight is cut
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def start_server(env: dict[str, str], threads: int = 4) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "remission", "serve", "--port", str(port), "--threads", str(threads)]
    log = Path(env["REMISSION_DATA_DIR"]) / f"server-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    server = Server(process, port)
    for _ in range(START_ATTEMPTS):
        if process.poll() is not None:
            raise AssertionError(f"the server stopped ({process.returncode}): {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{server.base}/signin/", timeout=10):
                return server
        except OSError:  # not listening yet
            time.sleep(0.2)
    server.stop()
    raise AssertionError("the server never answered")


def call(base: str, token: str, method: str, path: str, body: Any = None) -> tuple[int, Any, dict[str, str]]:
    """One API request; (status, parsed JSON or text, headers). A refused connection raises OSError."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
            status, raw, headers = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        status, raw, headers = error.code, error.read(), dict(error.headers)
    try:
        return status, json.loads(raw) if raw else None, headers
    except ValueError:
        return status, raw.decode("utf-8", "replace"), headers


@dataclass
class WriteLog:
    """What the writers were told: statuses per request and the records acknowledged as created.
    ``server_errors`` are 5xx answers other than the 503 "try again"."""

    statuses: Counter[int] = field(default_factory=Counter)
    acknowledged: dict[str, list[int | str]] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, status: int, body: Any, what: str, seconds: float, key: int | str | None) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.latencies.append(seconds)
            if status >= 500 and status != TRY_AGAIN:
                self.server_errors.append(f"{what}: {status} {str(body)[:300]}")
            if key is not None and status in (200, 201):
                self.acknowledged.setdefault(what, []).append(key)

    @property
    def writes(self) -> int:
        return sum(n for s, n in self.statuses.items() if s in (200, 201))


def write_patient_course(base: str, token: str, centre: str, rng: random.Random, log: WriteLog) -> None:
    """One patient through the API in four writes: the patient, a diagnosis, a follow-up, an edit of it."""

    def timed(what: str, method: str, path: str, body: Any, key: str | None) -> Any:
        began = time.perf_counter()
        status, answer, _ = call(base, token, method, path, body)
        value = answer.get(key) if key and isinstance(answer, dict) else None
        log.note(status, answer, what, time.perf_counter() - began, value)
        return answer if status in (200, 201) else None

    year = rng.randint(1950, 2000)
    patient = timed(
        "patient",
        "POST",
        "/api/patients",
        {
            "centre": centre,
            "sex": rng.choice(["female", "male"]),
            "birth_year": year,
            "birth_month": 5,
            "consent_status": "given",
            "consent_date": "2023-01-02",
            "reason": "reliability",
        },
        "registry_id",
    )
    if patient is None:
        return
    rid = patient["registry_id"]
    timed(
        "diagnosis",
        "POST",
        f"/api/patients/{rid}/diagnoses",
        {"disease": "ssc", "diagnosis_date": "2020-03-01", "reason": "reliability"},
        "id",
    )
    follow_up = timed(
        "follow_up",
        "POST",
        f"/api/patients/{rid}/follow-ups",
        {"date": "2024-02-01", "vital_status": "alive", "reason": "reliability"},
        "id",
    )
    if follow_up is not None:
        timed(
            "follow_up_edit",
            "PATCH",
            f"/api/follow-ups/{follow_up['id']}",
            {"version": follow_up["version"], "current_therapy": "none", "reason": "reliability"},
            "id",
        )


def run_writers(
    base: str,
    token: str,
    centre: str,
    writers: int,
    stop: threading.Event,
    log: WriteLog,
    seed: int = 1,
    courses: int | None = None,
) -> list[threading.Thread]:
    """``writers`` threads writing patient courses until ``stop`` is set, the server goes away or each
    has written ``courses`` courses."""

    def work(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        done = 0
        while not stop.is_set() and (courses is None or done < courses):
            done += 1
            try:
                write_patient_course(base, token, centre, rng, log)
            except (OSError, http.client.HTTPException):  # the server was killed: refused, reset, cut off
                with log.lock:
                    log.refused += 1
                return

    threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(writers)]
    for thread in threads:
        thread.start()
    return threads


WAIT_FOR_WRITES_SECONDS = 300  # a bound for the writers to get going, not a timing assertion


@dataclass
class KillTrial:
    """One server killed with SIGKILL while ``writers`` clients write; what was acknowledged, what is lost."""

    acknowledged_writes: int
    lost: list[str]  # acknowledged writes the restarted server cannot find
    server_errors: list[str]


def kill_while_writing(
    env: dict[str, str],
    token: str,
    centre: str,
    *,
    writers: int = 4,
    writes_before_kill: int = 20,
    seed: int = 1,
) -> KillTrial:
    """Start ``remission serve``, let ``writers`` threads write until at least ``writes_before_kill``
    writes are acknowledged, kill the server with SIGKILL (requests are in flight), then start a new
    server and read back every acknowledged patient and follow-up edit."""
    server = start_server(env)
    log, stop = WriteLog(), threading.Event()
    threads = run_writers(server.base, token, centre, writers, stop, log, seed=seed)
    try:
        waited = 0.0
        while log.writes < writes_before_kill:
            assert waited < WAIT_FOR_WRITES_SECONDS, f"only {log.writes} writes were acknowledged"
            time.sleep(0.05)
            waited += 0.05
        server.kill()
    finally:
        stop.set()
        server.stop()
        for thread in threads:
            thread.join(timeout=REQUEST_TIMEOUT + 10)
    lost: list[str] = []
    restarted = start_server(env)
    try:
        for rid in log.acknowledged.get("patient", []):
            status, _, _ = call(restarted.base, token, "GET", f"/api/patients/{rid}")
            if status != 200:
                lost.append(f"patient {rid}: {status}")
        for pk in log.acknowledged.get("follow_up_edit", []):
            status, body, _ = call(restarted.base, token, "GET", f"/api/follow-ups/{pk}")
            if status != 200 or body.get("current_therapy") != "none":
                lost.append(f"follow-up edit {pk}: {status}")
    finally:
        restarted.stop()
    return KillTrial(log.writes, lost, log.server_errors)
