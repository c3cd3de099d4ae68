"""The proof of search as a PDF, read back as a person would see it: pdftoppm turns its pages
into PNG images (how many pages), pdftotext gives its words (headings, page numbers, totals)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tactful import Engine, SQLiteStore
from tactful.testing import FakeClock

from .clirun import EXE, ok
from .helpers import at
from .searches import NOW, home_with_search

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
                                reason="needs poppler-utils (pdftoppm, pdftotext); .ci/run installs them")  # fmt: skip
GERMAN = Path(__file__).parent / "data" / "rules-de.yaml"
MANY = 60  # more rows than fit on one page


def _greta(home: Path) -> None:
    """Greta, whose rule set says German, with MANY applications, one of them answered."""
    store = SQLiteStore(home / "tactful.sqlite3")
    try:
        engine = Engine(store, FakeClock(at(NOW)))
        engine.add_candidate("greta", name="Greta Müller", rules=str(GERMAN))
        greta = engine.candidate("greta")
        for number in range(MANY):
            greta.add(f"Firma {number:02d} & Söhne", interviewed="2026-05-04", role="Bäckerin", interviewer="Herr Ö")
        greta.record(1 + len(list(engine.stored())), "rejected", at=at("2026-05-20 10:00"))
    finally:
        store.close()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home_with_search(tmp_path / "home")
    _greta(tmp_path / "home")
    return tmp_path / "home"


def _pages(pdf: Path) -> list[Path]:
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(pdf.with_suffix(""))], check=True)
    return sorted(pdf.parent.glob(pdf.stem + "-*.png"))


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def test_a_german_candidates_proof_has_german_headings_page_numbers_and_totals(home: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "nachweis.pdf"
    ok(home, "--candidate", "greta", "report", "--proof", "--format", "pdf", "-o", str(pdf), now=NOW)
    pages = _pages(pdf)
    assert len(pages) >= 2 and all(p.read_bytes().startswith(b"\x89PNG") for p in pages)
    text = _text(pdf)
    assert "Nachweis der Eigenbemühungen" in text and "Arbeitgeber" in text and "Unterschrift" in text
    assert f"Seite 1 von {len(pages)}" in text and f"Seite {len(pages)} von {len(pages)}" in text
    assert "Bewerbungen: 60; Kontakte: 0" in text and "Erstellt am 2026-09-01" in text
    assert "Greta Müller" in text and "Absage" in text
    assert all(f"Firma {n:02d} & Söhne" in text for n in range(MANY))
    assert "Northwind" not in text  # another candidate's employer


def test_the_proof_in_english_by_default_covers_the_period(home: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "proof.pdf"
    ok(home, "report", "--proof", "--format", "pdf", "--from", "2026-05-01", "--to", "2026-05-31", "-o", str(pdf),
       now=NOW)  # fmt: skip
    assert len(_pages(pdf)) == 1
    text = _text(pdf)
    assert "Proof of job search" in text and "Page 1 of 1" in text and "Applications: 9; contacts: 11" in text
    assert "2026-05-01 – 2026-05-31" in text and "no answer, moved on" in text
    assert "2026-05-04 thank-you; 2026-05-21 call" in text


def test_the_same_search_gives_the_same_pdf(home: Path, tmp_path: Path) -> None:
    made = [ok(home, "report", "--proof", "--format", "pdf", "-o", str(tmp_path / f"{n}.pdf"), now=NOW)
            and (tmp_path / f"{n}.pdf").read_bytes() for n in range(2)]  # fmt: skip
    assert made[0] == made[1] and made[0].startswith(b"%PDF")


def test_a_pdf_may_go_to_a_pipe(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "piped.pdf"
    with out.open("wb") as pipe:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
        subprocess.run([str(EXE), "report", "--proof", "--format", "pdf"], stdout=pipe, check=True,
                       env={**env, "TACTFUL_HOME": str(home), "TACTFUL_NOW": NOW, "TACTFUL_TZ": "UTC"})  # fmt: skip
    assert out.read_bytes().startswith(b"%PDF") and len(_pages(out)) == 1
