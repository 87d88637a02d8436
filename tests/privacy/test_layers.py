"""Apps import downwards only: accounts no longer reaches up into the portal for the
deletion, and privacy, below the faces, reaches them only through its registry hook."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "victo_crm"
FACES = ("portal", "desk", "api", "website")


def _imports(app: str) -> set[str]:
    found = set()
    for path in (ROOT / app).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("app", ["accounts", "privacy"])
def test_a_lower_app_imports_no_face(app: str) -> None:
    upward = {
        module
        for module in _imports(app)
        if any(module.startswith(f"victo_crm.{face}") for face in FACES)
    }
    assert upward == set()
