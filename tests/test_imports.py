"""Import contracts (DESIGN.md): the direction sim <- experiments <- calibration, and
processes that do not import each other."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = ("care_needs", "demography", "informal_care", "loneliness", "moves", "staffing",
             "vitality")


def imports(path: Path) -> set[str]:
    """Every module a file imports, anywhere in it (functions and TYPE_CHECKING too)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", files("sim"), ids=lambda p: str(p.relative_to(ROOT)))
def test_sim_imports_neither_experiments_nor_calibration(path):
    bad = {m for m in imports(path) if m.split(".")[0] in ("experiments", "calibration")}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize("path", [p for p in files("experiments") if p.name != "cli.py"],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_experiments_import_calibration_only_in_the_cli(path):
    bad = {m for m in imports(path) if m.split(".")[0] == "calibration"}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize("name", PROCESSES)
def test_processes_do_not_import_each_other(name):
    path = ROOT / "sim" / "processes" / f"{name}.py"
    others = {f"sim.processes.{p}" for p in PROCESSES if p != name}
    bad = {m for m in imports(path) if any(m == o or m.startswith(o + ".") for o in others)}
    assert not bad, f"{name} imports {sorted(bad)}"
    # nor the model, the engine or the interventions that compose them
    up = {m for m in imports(path) if m.split(".")[:2] in (["sim", "model"], ["sim", "engine"],
                                                            ["sim", "interventions"])}
    assert not up, f"{name} imports {sorted(up)}"


def test_the_list_of_processes_is_complete():
    found = {p.stem for p in (ROOT / "sim" / "processes").glob("*.py")}
    assert found - {"__init__", "_jit", "common"} == set(PROCESSES)
