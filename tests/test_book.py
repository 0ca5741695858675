"""Build the whole book once and look at the pages a reader gets."""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
JB = str(Path(sys.executable).with_name("jupyter-book"))


def _build(src: Path, out: Path):
    return subprocess.run(
        [JB, "build", "--all", "--path-output", str(out), str(src)],
        capture_output=True, text=True, timeout=3000,
    )


@pytest.fixture(scope="module")
def built_book(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    res = _build(ROOT, out)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-4000:]
    return out / "_build" / "html"


def test_intro_page(built_book):
    html = (built_book / "book" / "intro.html").read_text()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))
    assert "What the paper claims" in text and "make book" in text
    assert (built_book / "index.html").exists()


@pytest.mark.parametrize("chapter", sorted((ROOT / "chapters").glob("*.md")), ids=lambda p: p.stem)
def test_chapter_page_has_interactive_charts(built_book, chapter):
    page = built_book / "chapters" / f"{chapter.stem}.html"
    assert page.exists(), f"no page for {chapter.name}"
    html = page.read_text()
    assert "vega-embed" in html, "no altair (vega-embed) chart on the page"
    assert "Traceback (most recent call last)" not in html


def test_a_failing_chapter_fails_the_build(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(ROOT / "_config.yml", src / "_config.yml")
    (src / "book").mkdir()
    shutil.copy(ROOT / "book" / "references.bib", src / "book" / "references.bib")
    (src / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n  - file: broken\n")
    (src / "index.md").write_text("# Index\n")
    header = (ROOT / "chapters" / "01_expanders.md").read_text().split("---")[1]
    (src / "broken.md").write_text(f"---{header}---\n\n# Broken\n\n```{{code-cell}} ipython3\nraise RuntimeError('chapter bug')\n```\n")
    res = _build(src, tmp_path / "out")
    assert res.returncode != 0
