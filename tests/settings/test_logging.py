"""The logging setting: stderr and a rotating file in the data folder, each line with the request id."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from remission.logs import (
    NO_REQUEST,
    ROTATE_BYTES,
    ROTATE_KEEP,
    RequestIdFilter,
    bind_request_id,
    log_file,
    logging_config,
    unbind_request_id,
)


def test_stderr_and_a_rotating_file_in_the_data_folder(tmp_path: Path) -> None:
    config = logging_config(tmp_path)
    file = config["handlers"]["file"]
    assert file["filename"] == str(tmp_path / "logs" / "remission.log") == str(log_file(tmp_path))
    assert file["class"] == "logging.handlers.RotatingFileHandler"
    assert (file["maxBytes"], file["backupCount"]) == (ROTATE_BYTES, ROTATE_KEEP) == (10 * 1024 * 1024, 10)
    assert config["loggers"]["django"]["handlers"] == ["stderr", "file"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_a_folder_that_cannot_be_written_logs_to_stderr_only(tmp_path: Path) -> None:
    tmp_path.chmod(0o500)
    try:
        config = logging_config(tmp_path)
    finally:
        tmp_path.chmod(0o700)
    assert list(config["handlers"]) == ["stderr"]
    assert config["loggers"]["django"]["handlers"] == ["stderr"]


def test_a_not_a_folder_data_dir_logs_to_stderr_only(tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    config = logging_config(blocker)
    assert list(config["handlers"]) == ["stderr"]


def test_every_record_carries_the_request_id() -> None:
    record = logging.LogRecord("remission", logging.INFO, __file__, 1, "hello", None, None)
    RequestIdFilter().filter(record)
    assert record.request_id == NO_REQUEST
    token = bind_request_id("0123456789abcdef")
    try:
        RequestIdFilter().filter(record)
        assert record.request_id == "0123456789abcdef"
    finally:
        unbind_request_id(token)
