"""The documentation site (mkdocs.yml): its navigation, the example notebook, the build.

The fast tests check the files: every page of the navigation exists, every page of docs/
is in the navigation, the notebook is committed without outputs. The build test runs
``mkdocs build --strict`` (it needs the ``[docs]`` extra; skipped without it) and checks
that the API reference, the executed notebook and the command line's page came out.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
NOTEBOOK = "examples/first-pair.ipynb"
#: Pages of docs/ deliberately left out of the navigation, each with its reason.
NOT_IN_NAV: dict[str, str] = {}
#: Identifiers each API page must document (the public parts of the namespace).
API_PAGES = {
    "api/sim": ["thuisplus.sim.ThuisplusModel", "thuisplus.sim.Parameters",
                "thuisplus.sim.run_pair", "thuisplus.sim.Pair", "thuisplus.sim.evaluate",
                "thuisplus.sim.load_preset", "thuisplus.sim.list_presets",
                "thuisplus.sim.WEEKLY_COLUMNS", "thuisplus.sim.EVALUATE_OUTCOMES"],
    "api/business_case": ["thuisplus.sim.business_case.contract_arithmetic",
                          "thuisplus.sim.business_case.stakeholder_flows",
                          "thuisplus.sim.business_case.provider_pnl"],
    "api/experiments": ["thuisplus.experiments.Experiment",
                        "thuisplus.experiments.run_experiment",
                        "thuisplus.experiments.load_results",
                        "thuisplus.experiments.make_executor"],
    "api/psa": ["thuisplus.experiments.psa.analyse_psa",
                "thuisplus.experiments.psa.PSAResult"],
    "api/calibration": ["thuisplus.calibration.CalibrationConfig",
                        "thuisplus.calibration.run_calibration",
                        "thuisplus.calibration.load_evaluation",
                        "thuisplus.calibration.INDICATORS"],
}


def nav_pages() -> list[str]:
    """Every page of mkdocs.yml's ``nav``, as a path under docs/."""
    yaml = pytest.importorskip("yaml")
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["docs_dir"] == "docs"

    def walk(node) -> list[str]:
        if isinstance(node, str):
            return [node]
        if isinstance(node, list):
            return [p for item in node for p in walk(item)]
        return [p for value in node.values() for p in walk(value)]

    return walk(config["nav"])


def test_every_nav_page_exists_once():
    pages = nav_pages()
    assert [p for p in pages if not (DOCS / p).is_file()] == []
    assert sorted(p for p in set(pages) if pages.count(p) > 1) == []


def test_every_page_of_docs_is_in_the_nav():
    pages = set(nav_pages())
    files = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*")
             if p.suffix in (".md", ".ipynb") and ".ipynb_checkpoints" not in p.parts}
    assert sorted(files - pages - set(NOT_IN_NAV)) == []
    assert sorted(set(NOT_IN_NAV) - files) == []  # a stale exception


def test_the_notebook_is_committed_without_outputs():
    nb = json.loads((DOCS / NOTEBOOK).read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code
    assert [c["outputs"] for c in code if c["outputs"]] == []
    assert [c["execution_count"] for c in code if c["execution_count"] is not None] == []
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


def test_the_landing_pages_python_example_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = (DOCS / "index.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "docs/index.md example", "exec"), {})


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_the_site_builds_strictly(tmp_path):
    for module in ("mkdocs", "mkdocstrings", "mkdocstrings_handlers.python", "mkdocs_jupyter"):
        pytest.importorskip(module, reason="the [docs] extra is not installed "
                                           "(pip install -e '.[docs]')")
    site = tmp_path / "site"
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict",
                           "--site-dir", str(site)],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log
    print(f"mkdocs build --strict: {time.perf_counter() - start:.1f} s")
    assert not re.search(r"^(WARNING|ERROR)\b", log, flags=re.M), log

    # the API reference: each public name has its entry, and no Sphinx role is left raw
    for page, identifiers in API_PAGES.items():
        html = _text(site / page / "index.html")
        missing = [i for i in identifiers if f'id="{i}"' not in html]
        assert missing == [], f"{page}: no entry for {missing}"
        assert not re.search(r":(func|class|meth|mod|data|attr):", html), page
        assert "&lt;autoref" not in html, page
    sim = _text(site / "api/sim/index.html")
    assert "avoided_wmo" in sim and "lonely_share" in sim  # the generated tables

    # the notebook ran: its tables, its figure, and no error
    nb = _text(site / "examples/first-pair/index.html")
    assert 'class="dataframe"' in nb
    assert all(f"<th>{law}</th>" in nb for law in ("wmo", "zvw", "wlz", "total"))
    assert "data:image/png;base64" in nb
    assert "one pair of 60 dwellings, 260 weeks" in nb
    assert "Traceback" not in nb
    assert 'href="../../parameters/"' in nb and ".md\"" not in nb  # its links: to pages

    # the command line's page: every command, with its help
    import click
    import typer.main

    from thuisplus.cli import app

    group = typer.main.get_command(app)
    names = group.list_commands(click.Context(group))
    assert {"pair", "run", "dashboard", "simulate", "experiment", "calibrate"} <= set(names)
    cli = _text(site / "api/cli/index.html")
    missing = [n for n in names if f'id="{n}"' not in cli or f"thuisplus {n}" not in cli]
    assert missing == []
    assert "--preset" in cli and "Exit codes" in cli

    # the landing page links to what it points at (strict checked that the pages exist)
    index = _text(site / "index.html")
    assert 'href="examples/first-pair/"' in index and 'href="api/cli/"' in index
