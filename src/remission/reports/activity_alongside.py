"""The disease-activity section, built in a second process while this one does the rest of the report.

The report's disease-activity and immune-reconstitution section needs the patients' measurements
(millions of scores and laboratory values at 100,000 patients), their summaries by window since infusion
and its plots; of the rest of the report it needs only the derived cohort (each patient's index infusion
date and disease). On one core it took about 15 s of the 60 s target (``benchmarks/report.py``). Here a
forked process does it on the machine's other core: told that this process has read the courses
(:meth:`PendingActivity.read`: the database is then the forked process's alone), it reads the
measurements while this process derives the endpoints; sent the cohort (:meth:`PendingActivity.begin`),
it dates the measurements against each index infusion, summarises them and draws the section while this
process fits the models and draws the rest.

:func:`activity_alongside` forks when :func:`why_not_alongside` finds nothing against it:

- the database is PostgreSQL (the forked process opens its own connection; an in-memory SQLite database
  cannot be shared, and the demo registry is small enough not to need a second process);
- this connection is not inside a transaction (a second connection would not see its uncommitted rows);
- this process runs one thread (a fork copies only the calling thread: locks held by a web server's other
  threads would be copied held);
- the platform can fork and the machine has more than one core.

Otherwise the same steps run in this process, in the same order: the measurements are read when the
cohort is known (:meth:`PendingActivity.begin`) and the section is built when asked for
(:meth:`PendingActivity.section`). Either way the section is
:func:`~remission.reports.outcomes_report.activity_section` of
:func:`~remission.reports.activity.summarise_measurements` of the cohort's measurements: the forked
process reads every readable patient's values up to the cut-off and keeps the cohort's
(:func:`~remission.analysis.longitudinal.measurements_from`); this process, reading once the cohort is
known, names its patients in the query (:func:`~remission.analysis.longitudinal.load_measurements`).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from django.db import connection, connections

from remission.analysis.longitudinal import (
    PATIENT_COLUMNS,
    Measurements,
    load_measurements,
    measurements_from,
    read_measurements,
)
from remission.reports.activity import summarise_measurements
from remission.reports.document import Section
from remission.reports.outcomes_report import activity_section

ENDED_WITHOUT_ANSWER = (
    "the process building the disease-activity section ended without an answer (exit code {code})"
)
FAILED = "the process building the disease-activity section failed:\n{trace}"
NOT_BEGUN = "the disease-activity section needs the cohort first: call begin(analysis_set, who)"
JOIN_SECONDS = 30.0


def why_not_alongside() -> str | None:
    """None when the section can be built by a forked process, else the reason it cannot."""
    if not hasattr(os, "fork") or "fork" not in multiprocessing.get_all_start_methods():
        return "this platform cannot fork"
    if (os.cpu_count() or 1) < 2:
        return "one core"
    others = [t.name for t in threading.enumerate() if t is not threading.current_thread()]
    if others:
        return f"other threads run in this process ({', '.join(others)})"
    if connection.vendor != "postgresql":
        return f"the database is {connection.vendor}, not PostgreSQL"
    if connection.in_atomic_block:
        return "inside a transaction (a second connection would not see its uncommitted rows)"
    return None


def _section(measurements: Measurements, who: str, seconds: dict[str, float]) -> Section:
    """The disease-activity section of ``measurements`` (``who``: the cohort in words, for the plots);
    the seconds of the summaries (``models``) and of the plots (``rendering``) go into ``seconds``."""
    started = time.perf_counter()
    summaries = summarise_measurements(measurements)
    seconds["models"], started = time.perf_counter() - started, time.perf_counter()
    section = activity_section(summaries, who)
    seconds["rendering"] = time.perf_counter() - started
    return section


@dataclass
class PendingActivity:
    """The disease-activity section on its way: :meth:`begin` with the derived cohort, then :meth:`section`.

    ``alongside``: whether a forked process builds it. ``seconds``: that process's own time by stage
    (``query``: reading; ``derivation``: dating against the index infusions; ``models``: the summaries;
    ``rendering``: the plots), once the section has arrived.
    """

    user: Any
    cutoff: dt.date | None
    seconds: dict[str, float] = field(default_factory=dict)
    _pipe: Connection | None = None
    _process: Any = None
    _measurements: Measurements | None = None
    _who: str | None = None
    _built: Section | None = None

    @property
    def alongside(self) -> bool:
        return self._pipe is not None

    def read(self) -> None:
        """Tell the forked process to read the measurements now (without one: nothing to do yet)."""
        self._send("read")

    def begin(self, analysis_set: Any, who: str) -> None:
        """Hand over the derived cohort: the forked process gets it and goes on; without one, the
        measurements are read here now."""
        self._who = who
        if self._pipe is not None:
            self._send((analysis_set.frame[list(PATIENT_COLUMNS)], who))
        else:
            self._measurements = load_measurements(analysis_set, user=self.user)

    def _send(self, message: object) -> None:
        if self._pipe is None:
            return
        with suppress(BrokenPipeError):  # it has stopped already: section() reads why
            self._pipe.send(message)

    def section(self) -> Section:
        """The section: from the forked process (waiting for it if need be), or built here."""
        if self._built is not None:
            return self._built
        if self._who is None:
            raise RuntimeError(NOT_BEGUN)
        if self._measurements is not None:  # no forked process: read in begin(), built here
            self._built, self._measurements = _section(self._measurements, self._who, {}), None
            return self._built
        assert self._pipe is not None
        try:
            status, payload, seconds = self._pipe.recv()
        except EOFError:
            self._process.join(JOIN_SECONDS)
            raise RuntimeError(ENDED_WITHOUT_ANSWER.format(code=self._process.exitcode)) from None
        if status != "ok":
            raise RuntimeError(FAILED.format(trace=payload))
        self.seconds, self._built = seconds, payload
        return payload

    def close(self) -> None:
        """Let the forked process go (it stops when this end of the pipe closes) and wait for it."""
        if self._pipe is not None:
            self._pipe.close()
            self._process.join(JOIN_SECONDS)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join()


@contextmanager
def activity_alongside(
    *, user: Any, cutoff: dt.date | None, fork: bool | None = None
) -> Iterator[PendingActivity]:
    """Start building the disease-activity section of what ``user`` may read up to ``cutoff`` in a forked
    process when :func:`why_not_alongside` allows, and yield the :class:`PendingActivity`.

    ``fork`` overrides the decision: False never forks; True forks whatever :func:`why_not_alongside`
    says, for a caller that knows its other threads hold nothing the forked process needs (a test
    process's idle live server) and that its rows are committed.
    """
    pending = PendingActivity(user=user, cutoff=cutoff)
    if fork if fork is not None else why_not_alongside() is None:
        connections.close_all()  # the forked process must open its own connection, not share this socket
        context = multiprocessing.get_context("fork")
        here, there = context.Pipe()
        process = context.Process(target=_build_there, args=(there, here, user, cutoff), daemon=True)
        process.start()
        there.close()
        pending._pipe, pending._process = here, process
    try:
        yield pending
    finally:
        pending.close()


def _build_there(pipe: Connection, parents_end: Connection, user: Any, cutoff: dt.date | None) -> None:
    """The forked process: when told, read every readable patient's measurements; wait for the cohort;
    build the section."""
    parents_end.close()  # the fork's copy of it: the parent closing its own must end this process's recv
    try:
        seconds: dict[str, float] = {}
        pipe.recv()  # "read"
        started = time.perf_counter()
        raw = read_measurements(user=user, cutoff=cutoff)
        seconds["query"] = time.perf_counter() - started
        patients, who = pipe.recv()
        started = time.perf_counter()
        measurements = measurements_from(patients, raw.scores, raw.labs)
        del raw
        seconds["derivation"] = time.perf_counter() - started
        section = _section(measurements, who, seconds)
        pipe.send(("ok", section, seconds))
    except EOFError:  # the parent stopped before sending the cohort (an empty cohort, an error)
        pass
    except BaseException:
        with suppress(OSError):
            pipe.send(("error", traceback.format_exc(), {}))
    finally:
        connections.close_all()
        pipe.close()
