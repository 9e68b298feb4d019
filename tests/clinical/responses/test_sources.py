"""Every response definition names its source by a bibliography key (``[@Key, where]``)."""

from __future__ import annotations

import importlib

import pytest

from remission.clinical.bibliography import citations

MODULES = ("assist", "cdp", "crohn_cdai", "doris", "eular", "lldas", "neda")


@pytest.mark.parametrize("name", MODULES)
def test_source_cites_a_key(name: str) -> None:
    source = importlib.import_module(f"remission.clinical.responses.{name}").SOURCE
    assert list(citations(source)), f"{name}: SOURCE {source!r} cites no [@Key]"
