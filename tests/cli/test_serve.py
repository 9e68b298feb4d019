"""``remission serve`` and ``remission demo`` serve through waitress: the sign-in page and the style sheet
come back from a real server started in a child process on a free port of 127.0.0.1, which is then
stopped."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from remission.cli import build_parser
from remission.cli.serve import DEFAULT_THREADS, build_server

SRC = Path(__file__).resolve().parents[2] / "src"
START_ATTEMPTS = 150  # 0.2 s apart: the child imports Django and migrates nothing (already done)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _environment(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["REMISSION_DATA_DIR"] = str(data_dir)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")])
    return env


def _get(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.headers.get("Server", ""), response.read().decode()


def _wait_for(url: str, process: subprocess.Popen) -> tuple[int, str, str]:
    for _ in range(START_ATTEMPTS):
        if process.poll() is not None:
            raise AssertionError(f"the server stopped: {process.stderr.read() if process.stderr else ''}")
        try:
            return _get(url)
        except OSError:  # not listening yet (URLError, ConnectionError and timeouts are OSErrors)
            time.sleep(0.2)
    raise AssertionError(f"no answer from {url}")


def test_serve_options_and_defaults() -> None:
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.threads) == ("127.0.0.1", 8000, DEFAULT_THREADS)
    args = build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "9001", "--threads", "3"])
    assert (args.host, args.port, args.threads) == ("0.0.0.0", 9001, 3)
    args = build_parser().parse_args(["demo", "--port", "9002", "--threads", "2"])
    assert (args.port, args.threads) == (9002, 2)


def test_build_server_binds_a_waitress_server_with_the_threads_asked_for() -> None:
    port = _free_port()
    server = build_server("127.0.0.1", port, threads=3)
    try:
        assert type(server).__module__.startswith("waitress")
        assert server.adj.threads == 3
        assert int(server.effective_port) == port
    finally:
        server.close()


@pytest.mark.parametrize("command", ["serve", "demo"])
def test_the_command_serves_sign_in_and_static_files(tmp_path: Path, command: str) -> None:
    env = _environment(tmp_path)
    subprocess.run(
        [sys.executable, "-m", "remission", "migrate"], env=env, check=True, capture_output=True, timeout=300
    )
    if command == "demo":
        # an existing demo is reused, so the test does not build 1,500 patients: one demo centre is enough
        setup = (
            "from remission.settings.startup import start_django; start_django(); "
            "from remission.registry import services; from remission.registry.access import SYSTEM; "
            "services.centre_create(actor=SYSTEM, code='syn-x', name='X (synthetic)', country='NL', "
            "is_demo=True, reason='test')"
        )
        subprocess.run([sys.executable, "-c", setup], env=env, check=True, capture_output=True, timeout=120)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "remission", command, "--port", str(port), "--threads", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        status, server, page = _wait_for(f"http://127.0.0.1:{port}/signin/", process)
        assert status == 200
        assert server == "remission"  # waitress's ident, not Django's runserver ("WSGIServer/…")
        assert 'name="csrfmiddlewaretoken"' in page
        status, _, css = _get(f"http://127.0.0.1:{port}/static/web/app.css")
        assert status == 200 and "{" in css
    finally:
        process.terminate()
        process.wait(timeout=30)
