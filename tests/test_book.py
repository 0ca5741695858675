"""Build the whole book once and look at the pages a reader gets."""

import re
import shutil
from pathlib import Path

import pytest
from conftest import build_book

ROOT = Path(__file__).resolve().parents[1]


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
    assert 'class="ramanujan-chart"' in html, "no altair chart on the page"
    assert "Traceback (most recent call last)" not in html


def test_a_failing_chapter_fails_the_build(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(ROOT / "_config.yml", src / "_config.yml")
    (src / "book").mkdir()
    shutil.copy(ROOT / "book" / "references.bib", src / "book" / "references.bib")
    shutil.copytree(ROOT / "book" / "_ext", src / "book" / "_ext")
    (src / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n  - file: broken\n")
    (src / "index.md").write_text("# Index\n")
    header = (ROOT / "chapters" / "01_expanders.md").read_text().split("---")[1]
    (src / "broken.md").write_text(
        f"---{header}---\n\n# Broken\n\n```{{code-cell}} ipython3\nraise RuntimeError('chapter bug')\n```\n"
    )
    res = build_book(src, tmp_path / "out")
    assert res.returncode != 0
    assert "chapter bug" in res.stdout + res.stderr  # it failed for the chapter, not for the set-up
