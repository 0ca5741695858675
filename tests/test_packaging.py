"""The project's set-up files agree with each other."""

import re
from pathlib import Path

import pytest
import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
CONDA_TO_PIP = {"pytorch": "torch", "ray-core": "ray"}


def _split(req: str):
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req)
    name = m.group(1).lower().replace("_", "-")
    spec = ",".join(sorted(p.strip() for p in m.group(2).replace(" ", "").split(",") if p.strip()))
    return CONDA_TO_PIP.get(name, name), spec


def pip_requirements():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(meta["dependencies"])
    for extra in meta["optional-dependencies"].values():
        reqs += extra
    return dict(_split(r) for r in reqs)


def conda_requirements():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "conda-forge" in env["channels"]
    deps = [d for d in env["dependencies"] if isinstance(d, str)]
    # packages conda-forge does not carry come from pip inside the environment
    pip = [
        d
        for group in env["dependencies"]
        if isinstance(group, dict)
        for d in group.get("pip", [])
        if not d.startswith("-e")
    ]
    return dict(_split(d) for d in deps + pip if not d.startswith(("python", "pip")) or d.startswith("python-"))


def test_environment_yml_matches_pyproject():
    assert conda_requirements() == pip_requirements()


def test_torch_is_a_range_not_a_pin():
    spec = pip_requirements()["torch"]
    assert "==" not in spec and ">=" in spec


def test_readme_starts_with_the_two_commands():
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```(?:bash|sh)?\n(.*?)```", text, flags=re.S)
    commands = [line.split("#")[0].strip() for line in blocks[0].splitlines() if line.strip()]
    assert commands == ["make book", "make test"]


def chapters():
    return sorted((ROOT / "chapters").glob("*.md"))


def test_every_chapter_is_in_the_toc():
    toc = (ROOT / "_toc.yml").read_text()
    assert chapters()
    for ch in chapters():
        assert f"chapters/{ch.stem}" in toc


@pytest.mark.parametrize("chapter", chapters(), ids=lambda p: p.stem)
def test_chapter_is_a_papermill_ready_notebook(chapter):
    import jupytext

    nb = jupytext.read(chapter)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert "jupytext" in chapter.read_text().split("---")[1]
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    assert 'profile = "quick"' in tagged[0].source
