"""Import contracts (DESIGN.md): the direction sim <- experiments <- calibration <- the
dashboard and the CLI, parts imported through the ``thuisplus`` namespace, and processes that
do not import each other."""

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


def part(module: str) -> str:
    """The namespace's part a module belongs to ('sim', 'experiments', ...), or ''."""
    names = module.split(".")
    return names[1] if names[0] == "thuisplus" and len(names) > 1 else ""


def test_part_reads_the_namespace():
    assert part("thuisplus.experiments.spec") == "experiments"
    assert part("experiments") == "" and part("thuisplus") == ""


@pytest.mark.parametrize("path", files("sim"), ids=lambda p: str(p.relative_to(ROOT)))
def test_sim_imports_neither_experiments_nor_calibration(path):
    bad = {m for m in imports(path) if part(m) in ("experiments", "calibration", "dashboard",
                                                     "cli")}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize("path", files("experiments"), ids=lambda p: str(p.relative_to(ROOT)))
def test_experiments_import_neither_calibration_nor_the_cli(path):
    bad = {m for m in imports(path) if part(m) in ("calibration", "dashboard", "cli")}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize("name", PROCESSES)
def test_processes_do_not_import_each_other(name):
    path = ROOT / "sim" / "processes" / f"{name}.py"
    others = {f"thuisplus.sim.processes.{p}" for p in PROCESSES if p != name}
    bad = {m for m in imports(path) if any(m == o or m.startswith(o + ".") for o in others)}
    assert not bad, f"{name} imports {sorted(bad)}"
    # nor the model, the engine or the interventions that compose them
    up = {m for m in imports(path) if m.split(".")[:3] in (
        ["thuisplus", "sim", "model"], ["thuisplus", "sim", "engine"],
        ["thuisplus", "sim", "interventions"])}
    assert not up, f"{name} imports {sorted(up)}"


@pytest.mark.parametrize("path", files("calibration"), ids=lambda p: str(p.relative_to(ROOT)))
def test_calibration_imports_neither_the_dashboard_nor_the_cli(path):
    bad = {m for m in imports(path) if part(m) in ("dashboard", "cli")}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize("path", [*files("sim"), *files("experiments"), *files("calibration"),
                                  *files("thuisplus"), *files("tests"), *files("benchmarks")],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_the_parts_are_imported_through_the_namespace(path):
    """``import sim`` would load a second copy of the package (or fail): never by its folder."""
    bad = {m for m in imports(path) if m.split(".")[0] in ("sim", "experiments", "calibration")}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_the_list_of_processes_is_complete():
    found = {p.stem for p in (ROOT / "sim" / "processes").glob("*.py")}
    assert found - {"__init__", "_jit", "_pcg", "common"} == set(PROCESSES)


@pytest.mark.parametrize("part_name", ["sim", "experiments", "calibration"])
def test_a_part_imported_by_its_folder_name_says_how_to_import_it(part_name):
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-c", f"import {part_name}"], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    assert f"from thuisplus import {part_name}" in r.stderr


def test_python_dash_m_thuisplus_is_the_command():
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "thuisplus", "--version"], capture_output=True,
                       text=True, timeout=120, cwd="/")
    assert r.returncode == 0 and r.stdout.startswith("thuisplus "), r.stderr


def test_the_reports_leave_matplotlibs_backend_and_pyplot_alone():
    """A notebook keeps its backend, and pyplot is never imported by the reports."""
    import subprocess
    import sys

    code = ("import matplotlib, sys\nmatplotlib.use('svg')\n"
            "import thuisplus.experiments.report, thuisplus.experiments.business_case_report\n"
            "import thuisplus.experiments.psa, thuisplus.experiments.plots\n"
            "import thuisplus.calibration.report\n"
            "print(matplotlib.get_backend(), 'matplotlib.pyplot' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=300, cwd="/")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["svg", "False"]


def test_a_source_tree_is_the_package_without_an_install():
    """An unpacked sdist or a checkout on sys.path: its own folders, no editable finder."""
    import subprocess
    import sys

    code = ("import sys\n"
            "sys.meta_path[:] = [f for f in sys.meta_path\n"
            "                    if 'editable' not in getattr(f, '__module__', '').lower()]\n"
            f"sys.path.insert(0, {str(ROOT)!r})\n"
            "import thuisplus.sim, thuisplus.experiments.spec, thuisplus.calibration.data\n"
            "print(thuisplus.sim.__file__)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=300, cwd="/")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(ROOT / "sim" / "__init__.py")
