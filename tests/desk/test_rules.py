"""Architecture rules that a test can hold: the desk never imports the exchange's models."""

from __future__ import annotations

import ast
from pathlib import Path

DESK = Path(__file__).resolve().parents[2] / "kefu" / "desk"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_desk_never_imports_the_built_in_exchange() -> None:
    offenders = {
        str(path.relative_to(DESK)): sorted(
            n for n in _imports(path) if n.startswith("kefu.exchange")
        )
        for path in DESK.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_desk_reaches_the_exchange_only_through_the_gateway_package() -> None:
    gateway_users = [p for p in DESK.rglob("*.py") if any(
        n.startswith("kefu.gateway.") and n != "kefu.gateway.interface" for n in _imports(p)
    )]
    assert gateway_users == []
