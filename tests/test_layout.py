"""The library's folders follow its import graph: each folder imports only
from the folders below it, and no module imports itself back through others."""

import ast
from pathlib import Path

import pytest
import ramanujan_lth

PACKAGE = Path(ramanujan_lth.__file__).parent
# bottom to top; "" is the package root (catalog, labels, read by every layer)
LAYERS = ["", "maths", "networks", "storage", "pages", "evidence", "batch|your_network"]
RANK = {folder: i for i, names in enumerate(LAYERS) for folder in names.split("|")}


def _folder(module: str) -> str:
    """'ramanujan_lth.storage.runs' -> 'storage'; 'ramanujan_lth.catalog' -> ''."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 else ""


def _imports() -> dict[str, set[str]]:
    """Every module of the package -> the package modules it imports (at any depth of its code)."""
    modules = {
        ".".join(("ramanujan_lth", *p.relative_to(PACKAGE).with_suffix("").parts)): p
        for p in PACKAGE.rglob("*.py")
        if p.name not in ("__init__.py", "__main__.py")
    }
    edges = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ramanujan_lth"):
                found |= {f"{node.module}.{a.name}" for a in node.names} & modules.keys() or {node.module}
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("ramanujan_lth")}
        edges[name] = {m for m in found if m in modules and m != name}
    return edges


def test_every_module_sits_in_a_known_layer():
    assert set(ramanujan_lth.MODULES.values()) == set(RANK) - {""}
    assert {p.stem for p in PACKAGE.glob("*.py")} == {"__init__", "__main__", "catalog", "labels"}


def test_folders_import_only_downwards():
    upward = [f"{a} -> {b}" for a, bs in _imports().items() for b in bs if RANK[_folder(b)] > RANK[_folder(a)]]
    assert upward == []


def test_no_import_circle():
    edges = _imports()
    state = dict.fromkeys(edges, 0)  # 0 new, 1 on the path, 2 done

    def visit(m, path):
        state[m] = 1
        for n in sorted(edges[m]):
            if state[n] == 1:
                pytest.fail("import circle: " + " -> ".join([*path, m, n]))
            if state[n] == 0:
                visit(n, [*path, m])
        state[m] = 2

    for m in sorted(edges):
        if state[m] == 0:
            visit(m, [])


def test_a_flat_name_still_reaches_its_module():
    from ramanujan_lth import runs, studies

    assert runs.__name__ == "ramanujan_lth.storage.runs"
    assert studies.__name__ == "ramanujan_lth.evidence.studies"
    with pytest.raises(AttributeError):
        ramanujan_lth.no_such_module  # noqa: B018


def test_the_book_is_found_from_outside_it(tmp_path):
    from ramanujan_lth.storage.stored_runs import book_root

    assert book_root(tmp_path) == PACKAGE.parents[1]
    assert (book_root(tmp_path) / "_toc.yml").is_file()
