"""The apps depend on each other one way only:
accounts ← ledgers ← money ← {planning, reports, exchange, notifications, …} ← demo.
A core app learns about its dependents through signals they connect in `AppConfig.ready()`,
never by importing them. Tests and migrations are left out: only the code that runs counts."""

import ast
from collections import defaultdict
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

BUDGET = Path(__file__).resolve().parents[2]

# Whoever stands lower may not import whoever stands higher; apps on one level may use
# each other as long as no circle forms.
LEVEL = {"common": 0, "accounts": 1, "ledgers": 2, "money": 3, "demo": 5}
SIBLING = 4


def _apps() -> list[str]:
    return sorted(p.parent.name for p in BUDGET.glob("*/apps.py"))


def _imports(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def import_graph() -> dict[str, dict[str, set[str]]]:
    """app → {app it imports → the files that do}."""
    graph: dict[str, dict[str, set[str]]] = {app: defaultdict(set) for app in _apps()}
    for app in graph:
        for path in (BUDGET / app).rglob("*.py"):
            if {"tests", "migrations"} & set(path.relative_to(BUDGET).parts):
                continue
            for module in _imports(path):
                parts = module.split(".")
                if parts[0] == "budget" and len(parts) > 1 and parts[1] not in (app, ""):
                    graph[app][parts[1]].add(str(path.relative_to(BUDGET)))
    return graph


def test_every_app_has_a_level():
    assert set(_apps()) >= set(LEVEL)


def test_no_circle_between_apps():
    graph = import_graph()
    try:
        list(TopologicalSorter({app: set(uses) for app, uses in graph.items()}).static_order())
    except CycleError as error:
        pytest.fail(f"The apps import each other in a circle: {error.args[1]}")


@pytest.mark.parametrize("app", _apps())
def test_an_app_imports_only_apps_below_or_beside_it(app):
    level = LEVEL.get(app, SIBLING)
    upward = {
        used: sorted(files)
        for used, files in import_graph()[app].items()
        if LEVEL.get(used, SIBLING) > level
        or (LEVEL.get(used, SIBLING) == level and level != SIBLING)
    }
    assert upward == {}


def test_money_names_neither_planning_exchange_nor_demo():
    assert not {"planning", "exchange", "demo"} & set(import_graph()["money"])


def test_nothing_depends_on_demo():
    assert [app for app, uses in import_graph().items() if "demo" in uses] == []
