"""Who may import whom (DESIGN.md): Qt only in desktop/ui and desktop/app.py, pure domain."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "desktop"
QT = {"PySide6", "shiboken6"}
FORBIDDEN = {
    "domain": QT | {"sqlalchemy", "requests"},
    "documents": QT | {"sqlalchemy"},
}


def imported_packages(path: Path) -> set[str]:
    """Top-level names of every module a file imports, wherever the import statement is."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def may_import_qt(path: Path) -> bool:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] == "ui" or relative == Path("app.py")


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_layer_rules(path):
    imports = imported_packages(path)
    if not may_import_qt(path):
        assert not imports & QT, f"{path.relative_to(PACKAGE)} imports Qt"
    layer = path.relative_to(PACKAGE).parts[0]
    if layer in FORBIDDEN:
        assert not imports & FORBIDDEN[layer], (
            f"{path.relative_to(PACKAGE)} imports {sorted(imports & FORBIDDEN[layer])}"
        )


def test_the_checker_sees_imports_inside_functions(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from PySide6.QtCore import Qt\n    import sqlalchemy.orm\n")
    assert imported_packages(sample) == {"PySide6", "sqlalchemy"}


def test_there_is_something_to_check():
    assert any(p.parts[-2] == "ui" for p in modules())
    assert any(p.parts[-2] == "domain" for p in modules())
