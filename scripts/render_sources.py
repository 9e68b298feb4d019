"""Write docs/sources.md from the bibliography (src/remission/clinical/bibliography.py)."""

from __future__ import annotations

from pathlib import Path

from remission.clinical.bibliography import render_markdown

TARGET = Path(__file__).resolve().parent.parent / "docs" / "sources.md"

if __name__ == "__main__":
    TARGET.write_text(render_markdown(), encoding="utf-8")
    print(f"wrote {TARGET}")
