"""Provenance of a results folder: the package version, source hash, dependency versions and
(only in the project's own checkout) the git commit; --resume refuses other libraries."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
import tomli_w
from typer.testing import CliRunner

from tests.test_experiments import spec
from thuisplus.cli import app
from thuisplus.experiments import Experiment, load_manifest, load_results, run_experiment
from thuisplus.experiments import store as store_mod
from thuisplus.experiments.store import (
    RESULT_DEPENDENCIES,
    CodeMismatch,
    code_changes,
    code_version,
    git_checkout,
    source_hash,
)

REPO = Path(__file__).resolve().parents[1]
SCM_VERSION = "0.1.dev12+gabc1234.d20261204"
runner = CliRunner()


def _interrupted(out: Path, replications: int = 4) -> Experiment:
    """An experiment stopped (Ctrl-C) after 3 of its runs, its folder in ``out``."""
    exp = Experiment.from_dict(spec(replications=replications))

    def stop(stage, done, total, failed):
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_experiment(exp, out, executor="serial", progress=stop)
    return exp


def _edit_manifest(out: Path, edit) -> dict:
    """Change manifest.json with ``edit(code)`` for its code and every code_history entry."""
    path = out / "manifest.json"
    m = json.loads(path.read_text(encoding="utf-8"))
    for code in [m["code"], *m["code_history"]]:
        edit(code)
    m["checksum"] = store_mod._manifest_checksum(m)
    path.write_text(json.dumps(m, indent=1), encoding="utf-8")
    return m


# --- what the manifest records ----------------------------------------------------------------
def test_the_manifest_records_package_source_and_dependency_versions(tmp_path):
    run_experiment(Experiment.from_dict(spec()), tmp_path / "o", executor="serial")
    code = load_manifest(tmp_path / "o")["code"]
    deps = code["dependencies"]
    assert deps["numpy"] == np.__version__ == metadata.version("numpy")
    assert deps["python"] == ".".join(platform.python_version_tuple()[:2])  # major.minor
    assert set(deps) <= {"python", *RESULT_DEPENDENCIES}
    for name in ("numba", "llvmlite", "scipy", "pandas", "mesa", "pydantic", "SALib",
                 "scikit-learn"):  # all core dependencies: installed here
        assert deps[name] == metadata.version(name)
    assert code["package"] == metadata.version("thuisplus")
    assert code["source"] == source_hash()


def test_the_source_hash_does_not_hold_the_package_version(monkeypatch):
    before = source_hash()
    real = metadata.version
    monkeypatch.setattr(metadata, "version",
                        lambda name: SCM_VERSION if name == "thuisplus" else real(name))
    source_hash.cache_clear()
    try:
        assert source_hash() == before
        code = code_version()
        assert code["package"] == SCM_VERSION and code["source"] == before
    finally:
        source_hash.cache_clear()


def test_the_source_hash_is_the_content_of_the_source_files(tmp_path, monkeypatch):
    for pkg in ("sim", "experiments", "calibration"):
        (tmp_path / pkg).mkdir()
        (tmp_path / pkg / "m.py").write_text(f"X = {pkg!r}\n")
    (tmp_path / "sim" / "notes.txt").write_text("not source")
    monkeypatch.setattr(store_mod, "_ROOT", tmp_path)
    source_hash.cache_clear()
    try:
        first = source_hash()
        (tmp_path / "sim" / "notes.txt").write_text("still not source")
        source_hash.cache_clear()
        assert source_hash() == first
        (tmp_path / "calibration" / "m.py").write_text("X = 'changed'\n")
        source_hash.cache_clear()
        assert source_hash() != first
    finally:
        source_hash.cache_clear()


# --- resume with other libraries ----------------------------------------------------------------
def test_resume_with_other_dependency_versions_is_refused_unless_mixing_is_allowed(tmp_path):
    out = tmp_path / "d"
    exp = _interrupted(out)
    real = np.__version__

    def older_numpy(code):
        code["dependencies"]["numpy"] = "1.26.4"
        code["dependencies"]["scipy"] = "1.0.0"

    edited = _edit_manifest(out, older_numpy)
    with pytest.raises(CodeMismatch) as err:
        run_experiment(exp, out, executor="serial", resume=True)
    msg = str(err.value)
    assert f"numpy 1.26.4 → {real}" in msg
    assert f"scipy 1.0.0 → {metadata.version('scipy')}" in msg
    assert "pandas" not in msg  # only what differs is named
    assert "mix" in msg and "--fresh" in msg and "--allow-mixed" in msg
    assert len(load_results(out)) == 3  # nothing touched
    assert load_manifest(out)["code"]["dependencies"]["numpy"] == "1.26.4"

    s = run_experiment(exp, out, executor="serial", resume=True, allow_mixed=True)
    assert s.complete
    m = load_manifest(out)
    assert [c["dependencies"]["numpy"] for c in m["code_history"]] == ["1.26.4", real]
    assert m["code_history"][0] == edited["code"]
    assert m["code"]["dependencies"]["numpy"] == real


def test_the_cli_names_the_changed_library(tmp_path):
    path = tmp_path / "s.toml"
    path.write_bytes(tomli_w.dumps(spec()).encode())
    out = tmp_path / "c"
    args = ["experiment", str(path), "--out", str(out), "--executor", "serial", "--no-report"]
    assert runner.invoke(app, args).exit_code == 0
    _edit_manifest(out, lambda code: code["dependencies"].update(numba="0.1.0"))
    r = runner.invoke(app, [*args, "--resume"])
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert f"numba 0.1.0 → {metadata.version('numba')}" in " ".join(r.output.split())
    assert runner.invoke(app, [*args, "--resume", "--allow-mixed"]).exit_code == 0


def test_the_same_versions_resume_without_a_word(tmp_path, recwarn):
    out = tmp_path / "s"
    exp = _interrupted(out)
    s = run_experiment(exp, out, executor="serial", resume=True)
    assert s.complete and s.skipped == 3
    m = load_manifest(out)
    assert m["code_history"] == [m["code"]]
    assert not [w for w in recwarn if "numerical libraries" in str(w.message)]


def test_an_old_manifest_without_dependencies_resumes_with_a_warning(tmp_path):
    out = tmp_path / "old"
    exp = _interrupted(out)
    _edit_manifest(out, lambda code: code.pop("dependencies"))
    with pytest.warns(UserWarning, match="does not record the versions of the numerical"):
        s = run_experiment(exp, out, executor="serial", resume=True)
    assert s.complete
    m = load_manifest(out)
    assert "dependencies" not in m["code_history"][0]  # unknown stays unknown
    assert m["code"]["dependencies"]["numpy"] == np.__version__


def test_code_changes_names_each_difference():
    old = {"source": "a" * 16, "dependencies": {"python": "3.12.1", "numpy": "2.0.0",
                                                 "SALib": "1.5.0", "scipy": "1.13.0"}}
    new = {"source": "b" * 16, "dependencies": {"python": "3.12.1", "numpy": "2.1.0",
                                                 "scipy": "1.13.0", "pandas": "2.2.0"}}
    assert code_changes(old, new) == [f"source {'a' * 16} → {'b' * 16}", "numpy 2.0.0 → 2.1.0",
                                      "SALib 1.5.0 → not installed"]
    assert code_changes(new, new) == []
    # an old record without dependencies: they are unknown, not changed
    assert code_changes({"source": "b" * 16}, new) == []


# --- the commit: only of the project's own checkout -----------------------------------------------
GIT_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=GIT_ENV, check=True,
                          capture_output=True, text=True).stdout.strip()


def _repo(path: Path) -> str:
    """A git repository at ``path`` with one commit of everything in it; its commit."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "README").write_text("a repository\n")
    _git(path, "init", "-q")
    _git(path, "add", "-A")
    _git(path, "-c", "commit.gpgsign=false", "commit", "-q", "-m", "first")
    return _git(path, "rev-parse", "HEAD")


def _layout(root: Path, project: str | None = "thuisplus") -> Path:
    """The code's folder: sim/, experiments/, calibration/ and (given) a pyproject.toml."""
    for pkg in ("sim", "experiments", "calibration"):
        (root / pkg).mkdir(parents=True, exist_ok=True)
        (root / pkg / "__init__.py").write_text("")
    if project is not None:
        (root / "pyproject.toml").write_text(f'[project]\nname = "{project}"\n')
    return root


def test_an_installed_copy_inside_an_unrelated_repository_records_no_commit(tmp_path):
    outer = tmp_path / "work"
    site = _layout(outer / ".venv" / "lib" / "python3.12" / "site-packages" / "thuisplus",
                   project=None)
    _repo(outer)
    assert git_checkout(site) == {}
    # a pyproject.toml naming thuisplus, but not at the top of the work tree: not recorded
    _layout(site)
    assert git_checkout(site) == {}


def test_the_projects_own_checkout_records_its_commit_and_local_changes(tmp_path):
    root = _layout(tmp_path / "thuisplus")
    commit = _repo(root)
    assert git_checkout(root) == {"commit": commit, "dirty": False}
    (root / "sim" / "__init__.py").write_text("X = 1\n")
    assert git_checkout(root) == {"commit": commit, "dirty": True}


def test_a_repository_of_another_project_records_no_commit(tmp_path):
    other = _layout(tmp_path / "other", project="not-thuisplus")
    _repo(other)
    assert git_checkout(other) == {}
    missing = tmp_path / "bare"
    _repo(missing)  # a git root without the project's folders
    (missing / "pyproject.toml").write_text('[project]\nname = "thuisplus"\n')
    assert git_checkout(missing) == {}


def test_this_checkout_records_its_commit():
    root = store_mod._ROOT
    if root != REPO or not (REPO / ".git").exists():
        pytest.skip("the package does not run from its own git checkout here")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True,
                          text=True, check=True).stdout.strip()
    assert code_version()["commit"] == head
