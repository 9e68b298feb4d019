"""The translation catalogues (docs/languages.md): every package's ``locale/`` folder has a catalogue for
each language the site offers besides English; French is complete, the others hold the same messages for
translators; the compiled ``.mo`` files say what the ``.po`` files say; and no marked string of the code
is missing from its catalogue (checked with ``makemessages`` when GNU gettext is installed)."""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "remission"
LOCALE_FOLDERS = sorted(p for p in PACKAGE.glob("*/locale") if p.is_dir())
COMPLETE = "fr"
FOR_TRANSLATORS = ("de", "it", "es")
LANGUAGES = (COMPLETE, *FOR_TRANSLATORS)
# %(name)s and %s-style conversions (after "%%" is taken out), and str.format's {name}
PERCENT = re.compile(r"%(?:\([^)]*\))?[#0+-]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa]")
BRACES = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:[.\[][^{}]*)?(?:![rsa])?(?::[^{}]*)?\}")


@dataclass(frozen=True)
class Entry:
    context: str | None
    msgid: str
    plural: str | None
    msgstrs: tuple[str, ...]  # one, or one per plural form
    fuzzy: bool
    percent_format: bool  # flagged python-format by xgettext: its % conversions are placeholders

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.context, self.msgid, self.plural)


def _text(quoted: str) -> str:
    return ast.literal_eval(quoted)  # a .po string is a C string; these escapes are Python's too


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file (the header and obsolete ``#~`` entries left out)."""
    entries: list[Entry] = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        fields: dict[str, str] = {}
        current = None
        flags: set[str] = set()
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("#,"):
                flags.update(flag.strip() for flag in line[2:].split(","))
            if not line or line.startswith("#"):
                continue
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$', line)
            if match:
                current = match.group(1)
                fields[current] = _text(match.group(2))
            elif line.startswith('"') and current is not None:
                fields[current] += _text(line)
        if "msgid" not in fields or fields["msgid"] == "":
            continue
        forms = sorted((k for k in fields if k.startswith("msgstr")), key=lambda k: (len(k), k))
        entries.append(
            Entry(
                context=fields.get("msgctxt"),
                msgid=fields["msgid"],
                plural=fields.get("msgid_plural"),
                msgstrs=tuple(fields[k] for k in forms),
                fuzzy="fuzzy" in flags,
                percent_format="python-format" in flags,
            )
        )
    return entries


def placeholders(text: str, percent_format: bool) -> Counter[str]:
    """The placeholders of ``text``: its {name} fields, and its % conversions if it is a %-format."""
    found = Counter(BRACES.findall(text))
    if percent_format:
        found += Counter(PERCENT.findall(text.replace("%%", "")))
    return found


def _catalogue(folder: Path, language: str, suffix: str) -> Path:
    return folder / language / "LC_MESSAGES" / f"django.{suffix}"


def _name(folder: Path) -> str:
    return folder.parent.name


def test_the_packages_have_catalogues() -> None:
    assert {_name(f) for f in LOCALE_FOLDERS} >= {"web", "registry", "clinical"}


@pytest.mark.parametrize("folder", LOCALE_FOLDERS, ids=_name)
@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_has_a_po_and_a_mo(folder: Path, language: str) -> None:
    for suffix in ("po", "mo"):
        path = _catalogue(folder, language, suffix)
        assert path.is_file(), f"{path.relative_to(PACKAGE)} is missing"


@pytest.mark.parametrize("folder", LOCALE_FOLDERS, ids=_name)
@pytest.mark.parametrize("language", FOR_TRANSLATORS)
def test_translators_get_the_french_messages(folder: Path, language: str) -> None:
    french = {e.key for e in read_po(_catalogue(folder, COMPLETE, "po"))}
    other = {e.key for e in read_po(_catalogue(folder, language, "po"))}
    assert french, f"{_name(folder)}: the French catalogue is empty"
    assert other == french, (
        f"{_name(folder)}/{language}: missing {sorted(french - other, key=str)[:5]}, "
        f"extra {sorted(other - french, key=str)[:5]} (run makemessages for every language)"
    )


@pytest.mark.parametrize("folder", LOCALE_FOLDERS, ids=_name)
def test_french_is_complete(folder: Path) -> None:
    entries = read_po(_catalogue(folder, COMPLETE, "po"))
    assert entries
    empty = [e.msgid for e in entries if not e.msgstrs or any(not s for s in e.msgstrs)]
    fuzzy = [e.msgid for e in entries if e.fuzzy]
    assert not empty, f"{_name(folder)}: {len(empty)} French messages untranslated, e.g. {empty[:3]}"
    assert not fuzzy, f"{_name(folder)}: {len(fuzzy)} French messages fuzzy, e.g. {fuzzy[:3]}"


@pytest.mark.parametrize("folder", LOCALE_FOLDERS, ids=_name)
def test_french_keeps_the_placeholders(folder: Path) -> None:
    wrong = []
    for e in read_po(_catalogue(folder, COMPLETE, "po")):
        sources = [e.msgid] if e.plural is None else [e.msgid, e.plural]
        expected = [placeholders(source, e.percent_format) for source in sources]
        for i, text in enumerate(e.msgstrs):
            allowed = expected if i == 0 else expected[-1:]
            if text and placeholders(text, e.percent_format) not in allowed:
                wrong.append((e.msgid, text))
    assert not wrong, f"{_name(folder)}: placeholders differ: {wrong[:3]}"


def _plural_index(translations: gettext.GNUTranslations, index: int) -> int:
    """A count that the catalogue's plural rule puts in form ``index``."""
    return next(n for n in range(0, 200) if translations.plural(n) == index)


@pytest.mark.parametrize("folder", LOCALE_FOLDERS, ids=_name)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_mo_says_what_the_po_says(folder: Path, language: str) -> None:
    po = read_po(_catalogue(folder, language, "po"))
    with _catalogue(folder, language, "mo").open("rb") as handle:
        mo = gettext.GNUTranslations(handle)
    stale = []
    for e in po:
        if e.fuzzy or not all(e.msgstrs):
            continue  # msgfmt leaves these out: the source text is shown
        if e.plural is None:
            got = mo.pgettext(e.context, e.msgid) if e.context else mo.gettext(e.msgid)
            if got != e.msgstrs[0]:
                stale.append(e.msgid)
            continue
        for i, text in enumerate(e.msgstrs):
            n = _plural_index(mo, i)
            got = (
                mo.npgettext(e.context, e.msgid, e.plural, n)
                if e.context
                else mo.ngettext(e.msgid, e.plural, n)
            )
            if got != text:
                stale.append(e.msgid)
    assert not stale, f"{_name(folder)}/{language}: the .mo is stale (run compilemessages): {stale[:3]}"


def _gettext_tools() -> str | None:
    """Why the extraction check cannot run here, or None."""
    missing = [tool for tool in ("xgettext", "msgmerge", "msguniq") if shutil.which(tool) is None]
    return f"GNU gettext not installed ({', '.join(missing)} not on PATH)" if missing else None


@pytest.mark.parametrize("folder", LOCALE_FOLDERS, ids=_name)
def test_no_marked_string_is_missing_from_the_catalogue(folder: Path, tmp_path: Path) -> None:
    reason = _gettext_tools()
    if reason is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}: the catalogues cannot be checked against the code under CI")
        print(f"skipped: {reason}")
        pytest.skip(reason)
    copy = tmp_path / _name(folder)
    shutil.copytree(folder.parent, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "remission.settings.base"}
    # -P: the copy is the working directory, and its modules (registry/selectors, say) must not shadow
    # the standard library's
    command = [sys.executable, "-P", "-m", "django", "makemessages", "-l", COMPLETE, "--add-location=file"]
    done = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    extracted = {e.key for e in read_po(_catalogue(copy / "locale", COMPLETE, "po"))}
    committed = {e.key for e in read_po(_catalogue(folder, COMPLETE, "po"))}
    missing = sorted(extracted - committed, key=str)
    assert not missing, (
        f"{_name(folder)}: {len(missing)} marked strings are not in the catalogue, e.g. {missing[:3]};"
        " run makemessages, translate, compilemessages (docs/languages.md)"
    )
