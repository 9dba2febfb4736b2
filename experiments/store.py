"""The results folder of an experiment: crash-safe, resumable, bounded in memory.

Layout of ``OUT/``::

    manifest.json          spec, code version, seeds and status of every run
    .lock                  held by the runner writing the folder (released when it ends)
    runs/part-000001.parquet     one row per finished run (ids, seed, outcome columns)
    yearly/part-000001.parquet   one row per finished run × year
    failures.parquet       runs that raised or killed their worker (error, traceback)
    journal/000002.jsonl   finished runs not yet compacted into parts

Every finished run is appended to the current journal at once (one JSON line, flushed),
so a killed batch loses no finished run. Every ``flush_every`` runs the journal is
compacted: ``yearly/part-G`` and then ``runs/part-G`` are written atomically (temporary
file + rename) and the journal deleted. Generation *G* is complete when ``runs/part-G``
exists; a journal whose runs part exists is a leftover and is ignored, one without it is
compacted on the next open. So each run is in exactly one place and ``--resume`` can
never duplicate one; compaction also drops a run id seen before. DuckDB reads the parts
directly: ``SELECT * FROM 'OUT/runs/*.parquet'``.

**One runner per folder** (:class:`FolderLock`): a second runner on the same folder is
refused while the first holds it; the operating system releases the lock when its
holder ends, however it ends.

**One code version per folder**: every run row carries the source hash of the code that
computed it (``code``), and the manifest that of the runner (:func:`code_version`: source
hash, package version, the versions of the numerical libraries, and the commit when the
code runs from its own git checkout); ``--resume`` with other code or other versions of
those libraries, or a worker whose code differs from the runner's, is refused unless
mixing is allowed explicitly (``allow_mixed``, recorded in the manifest's ``code_history``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import os
import platform
import re
import socket
import subprocess
import warnings
import zlib
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from thuisplus._tree import PARTS, is_source_tree
from thuisplus.experiments.spec import Experiment, RunTask, SpecError

__all__ = ["RESULT_DEPENDENCIES", "CodeMismatch", "FolderLock", "ResultStore", "code_changes",
           "code_history", "code_version", "dependency_versions", "git_checkout",
           "journal_line", "load_failures", "load_manifest", "load_results", "load_yearly",
           "read_journal", "source_hash"]

ID_COLUMNS = ["run_id", "scenario", "point", "replication", "seed"]
_PART = re.compile(r"part-(\d{6})\.parquet$")


class CodeMismatch(ValueError):
    """Results of two code versions would mix in one folder."""


#: The folder holding ``sim/``, ``experiments/`` and ``calibration/``: the repository's root
#: in a checkout, ``site-packages/thuisplus`` in an installed copy.
_ROOT = Path(__file__).resolve().parents[1]

#: The distributions whose versions can change a run's numbers bit for bit, recorded in the
#: manifest (``code["dependencies"]``, beside ``python``) and compared on ``--resume``:
RESULT_DEPENDENCIES: tuple[str, ...] = (
    "numpy",         # the random generators and every array sum, product and ufunc
    "numba",         # compiles the weekly processes (fused loops; float results may move)
    "llvmlite",      # numba's LLVM: code generation (vectorised sums, FMA) of those loops
    "scipy",         # priors' quantiles (truncnorm.ppf: the PSA draws), t intervals
    "pandas",        # aggregation of runs into outcomes and yearly tables
    "mesa",          # the model and agent framework (agent sets, their order, its RNG)
    "pydantic",      # parameters parsed, coerced and validated (defaults, float parsing)
    "SALib",         # Latin hypercube, Sobol (Saltelli) and Morris design points, indices
    "scikit-learn",  # value-of-information regressions (splines, Gaussian processes)
)


@functools.cache
def source_hash() -> str:
    """A hash (16 hex digits) of the code that computes results.

    Every Python source file of ``sim``, ``experiments`` and ``calibration``, plus plugin
    intervention modules: same files, same hash, anywhere. The package version is not part
    of it (a setuptools-scm version changes on every reinstall); it is recorded beside it
    (:func:`code_version`).
    """
    from thuisplus.sim.processes._jit import _plugin_files

    digest = hashlib.sha256()
    files = sorted(f for pkg in PARTS for f in (_ROOT / pkg).rglob("*.py")
                   if "__pycache__" not in f.parts)
    for f in [*files, *_plugin_files()]:
        name = f.relative_to(_ROOT).as_posix() if f.is_relative_to(_ROOT) else f.name
        digest.update(name.encode() + b"\0" + f.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def dependency_versions() -> dict[str, str]:
    """Python's version and those of :data:`RESULT_DEPENDENCIES` that are installed.

    Python by major.minor only: a patch release does not move the numbers (the arithmetic
    is numpy's and numba's), and refusing a resume over 3.12.1 → 3.12.2 would only annoy.
    """
    versions = {"python": ".".join(platform.python_version_tuple()[:2])}
    for name in RESULT_DEPENDENCIES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                          timeout=10)


def git_checkout(root: Path = _ROOT) -> dict[str, Any]:
    """The commit and local changes (``dirty``) of the code at ``root``, or ``{}``.

    Only when ``root`` is the project's source tree (:func:`thuisplus._tree.is_source_tree`)
    and the top of its git work tree: an installed copy (site-packages of a venv that
    happens to sit inside some other repository) has no commit of its own.
    """
    root = Path(root).resolve()
    if not is_source_tree(root):
        return {}
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        top = _git(root, "rev-parse", "--show-toplevel")
        if top.returncode != 0 or Path(top.stdout.strip()).resolve() != root:
            return {}
        commit = _git(root, "rev-parse", "--verify", "HEAD")
        if commit.returncode == 0:
            dirty = _git(root, "status", "--porcelain", "--untracked-files=no")
            if dirty.returncode == 0:
                return {"commit": commit.stdout.strip(), "dirty": bool(dirty.stdout.strip())}
    return {}


def code_changes(recorded: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """How ``current`` differs from a ``recorded`` code version, e.g. ``numpy 2.0 → 2.1``.

    The source hash, and every dependency the record names (one it does not name is
    unknown, not a change; one no longer installed is ``not installed``).
    """
    changes = []
    if recorded.get("source") != current.get("source"):
        changes.append(f"source {recorded.get('source', '?')} → {current.get('source', '?')}")
    now = current.get("dependencies") or {}
    for name, was in (recorded.get("dependencies") or {}).items():
        if now.get(name) != was:
            changes.append(f"{name} {was} → {now.get(name, 'not installed')}")
    return changes


def _describe(code: dict[str, Any], since: dict[str, Any] | None = None) -> str:
    """A code version in words: source hash, package version and commit.

    Given the version it is compared with (``since``), also the dependencies that differ.
    """
    commit = code.get("commit")
    where = f", commit {commit[:10]}{' with local changes' if code.get('dirty') else ''}" \
        if commit else ""
    text = f"source {code.get('source', '?')} (package {code.get('package', '?')}{where})"
    if since is not None:
        deps = [c for c in code_changes(since, code) if not c.startswith("source ")]
        if deps:
            text += f" with {', '.join(deps)}"
    return text


def code_history(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The code versions that computed a folder's runs (oldest first), from its manifest."""
    return manifest.get("code_history") or [manifest.get("code") or {}]


class FolderLock:
    """An exclusive lock on a results folder (``OUT/.lock``) for one process's lifetime.

    Held through the operating system (``flock``; ``msvcrt.locking`` on Windows), so it
    dies with its holder: a crashed runner leaves no stale lock. The file names the
    holder, for the message a second runner gets.
    """

    NAME = ".lock"

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._fh: Any = None

    def acquire(self) -> FolderLock:
        """Take the lock or raise :class:`SpecError` naming its holder."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fh = open(self.folder / self.NAME, "a+", encoding="utf-8")
        except OSError as exc:
            raise SpecError(str(self.folder), "", f"cannot be created or written "
                            f"({exc.strerror or exc}); choose another --out") from None
        try:
            _lock_file(fh)
        except OSError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise SpecError(str(self.folder), "", f"is being written by {holder}; two "
                            "runners on one folder would corrupt it: wait for that one "
                            "to end, or choose another --out") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} on {socket.gethostname()} since "
                 f"{dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}\n")
        fh.flush()
        self._fh = fh
        return self

    def release(self) -> None:
        """Give the lock up (closing the file releases it)."""
        if self._fh is not None:
            with contextlib.suppress(OSError):
                self._fh.seek(0)
                self._fh.truncate()
            self._fh.close()
            self._fh = None


def _lock_file(fh: Any) -> None:
    """Lock an open file exclusively without waiting (OSError if another process holds it)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        return
    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def code_version() -> dict[str, Any]:
    """The code computing results: package version, source hash and dependency versions.

    When it runs from its own git checkout, also the commit and local changes
    (:func:`git_checkout`).
    """
    try:
        pkg = metadata.version("thuisplus")
    except metadata.PackageNotFoundError:
        pkg = "unknown"
    return {"package": pkg, "source": source_hash(), **git_checkout(),
            "dependencies": dependency_versions()}


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _atomic_parquet(df: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    df.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _generations(folder: Path) -> dict[int, Path]:
    if not folder.is_dir():
        return {}
    return {int(m.group(1)): p for p in folder.iterdir() if (m := _PART.match(p.name))}


def _crc(record: dict[str, Any]) -> int:
    """Checksum of a journal record (all but its ``crc``), over its canonical JSON."""
    body = {k: v for k, v in record.items() if k != "crc"}
    return zlib.crc32(json.dumps(body, sort_keys=True, allow_nan=True, default=str).encode())


def _yearly_frame(parts: list[tuple[dict[str, Any], dict[str, list[Any]]]]) -> pd.DataFrame:
    """The yearly tables of runs (their ids first), as one table.

    Built column by column in one go when every run has the same columns (a batch's
    runs do; a DataFrame per run cost ~1 ms each); else run by run and concatenated.
    """
    keys = list(parts[0][1])
    if all(list(y) == keys for _, y in parts):
        cols: dict[str, list[Any]] = {k: [] for k in (*ID_COLUMNS, *keys)}
        for row, y in parts:
            n = len(y[keys[0]]) if keys else 0
            for k in ID_COLUMNS:
                cols[k].extend([row[k]] * n)
            for k in keys:
                cols[k].extend(y[k])
        return pd.DataFrame({k: pd.Series(v) for k, v in cols.items()})
    frames = []
    for row, y in parts:
        f = pd.DataFrame(y)
        for k in reversed(ID_COLUMNS):
            f.insert(0, k, row[k])
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


def journal_line(record: dict[str, Any]) -> str:
    """One journal line (JSON and a newline) for ``record``, with its checksum ``crc``.

    The checksum is taken over the record as it reads back from JSON, so a reader can
    tell a flipped digit from the value written.
    """
    text = json.dumps(record, allow_nan=True, default=str)
    rec = json.loads(text)
    if not rec:
        return json.dumps({"crc": _crc(rec)}) + "\n"
    # the line is that text with the checksum added as its last key (not encoded again)
    return f'{text[:-1]}, "crc": {_crc(rec)}}}\n'


def read_journal(path: Path, problems: list[str] | None = None,
                 required: tuple[str, ...] = ("run_id", "row"),
                 what: str = "its run is run again") -> list[dict[str, Any]]:
    """Records of a journal of :func:`journal_line` lines, each checked.

    A torn last line (the process was killed mid-write) is dropped silently; a damaged
    line elsewhere (not JSON, a ``required`` key missing, or its checksum differs) is skipped
    and named in ``problems``, and the lines after it are kept. Lines without a checksum
    (older journals) are taken as they are.
    """
    records = []
    try:
        raw = path.read_bytes()
    except OSError as exc:
        if problems is not None:
            problems.append(f"{path}: unreadable ({exc})")
        return records
    lines = raw.split(b"\n")
    for k, line in enumerate(lines):
        if k == len(lines) - 1:
            break  # after the last newline: empty, or a torn line
        try:
            rec = json.loads(line.decode("utf-8"))
            ok = isinstance(rec, dict) and all(k in rec for k in required) and (
                "crc" not in rec or rec["crc"] == _crc(rec))
        except (UnicodeDecodeError, json.JSONDecodeError):
            ok = False
        if ok:
            records.append(rec)
        elif problems is not None:
            problems.append(f"{path}, line {k + 1}: damaged (skipped; {what})")
    return records




CHECKSUMS = "checksums.json"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Checksums:
    """SHA-256 and size of every results file (parts, failures), in ``OUT/checksums.json``.

    Written atomically after each file; checked when a folder is resumed or read, so a
    flipped bit, a truncated or a deleted part is found and named instead of read.
    """

    def __init__(self, out: Path):
        self.out = Path(out)
        self.path = self.out / CHECKSUMS
        self.sums: dict[str, dict[str, Any]] = {}
        if self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                if not isinstance(data, dict):
                    raise ValueError("not a table")
            except (OSError, ValueError) as exc:
                raise SpecError(str(self.path), "", f"is damaged ({exc}); the folder's "
                                "files cannot be verified: move the folder away and run "
                                "again") from None
            self.sums = data

    def _key(self, path: Path) -> str:
        return path.relative_to(self.out).as_posix()

    def record(self, path: Path) -> None:
        """Remember ``path``'s checksum (after writing it)."""
        self.sums[self._key(path)] = {"sha256": _sha256(path), "bytes": path.stat().st_size}
        self._save()

    def forget(self, path: Path) -> None:
        """Drop ``path`` (deleted or moved aside)."""
        if self.sums.pop(self._key(path), None) is not None:
            self._save()

    def known(self, path: Path) -> bool:
        """Whether ``path`` has a recorded checksum."""
        return self._key(path) in self.sums

    def problem(self, path: Path) -> str | None:
        """What is wrong with a recorded file (missing, other size, other content)."""
        want = self.sums.get(self._key(path))
        if want is None:
            return None
        if not path.exists():
            return "missing"
        size = path.stat().st_size
        if size != want["bytes"]:
            return f"truncated or changed ({size:,} bytes, written {want['bytes']:,})"
        if _sha256(path) != want["sha256"]:
            return "damaged (its checksum differs from the one written with it)"
        return None

    def recorded(self, folder: str) -> list[Path]:
        """Recorded files under ``folder`` (e.g. ``runs``)."""
        return [self.out / k for k in self.sums if k.startswith(folder + "/")]

    def _save(self) -> None:
        _atomic_write_bytes(self.path, json.dumps(self.sums, indent=1, sort_keys=True)
                            .encode())


class ResultStore:
    """Writer of one experiment's results folder (see the module docstring)."""

    def __init__(self, out: Path, experiment: Experiment, tasks: list[RunTask], *,
                 resume: bool = False, flush_every: int | None = None,
                 allow_mixed: bool = False):
        self.out = Path(out)
        self.experiment = experiment
        self.tasks = {t.run_id: t for t in tasks}
        self.flush_every = flush_every or experiment.spec.flush_every
        self.runs_dir, self.yearly_dir = self.out / "runs", self.out / "yearly"
        self.journal_dir = self.out / "journal"
        self.failures: dict[int, dict[str, Any]] = {}
        self.code = code_version()
        self.allow_mixed = allow_mixed
        self.code_history: list[dict[str, Any]] = [self.code]
        self.done: set[int] = set()
        self._stored: set[int] = set()  # run ids in the compacted parts
        self.damaged: list[str] = []     # files and journal lines found bad, set aside
        pre_existing = self.out.exists() and any(
            f.name != FolderLock.NAME for f in self.out.iterdir())
        self.lock = FolderLock(self.out).acquire()
        try:
            self._open(resume, pre_existing)
        except BaseException:
            self.lock.release()
            raise

    # --- opening, resuming --------------------------------------------------------------
    def _open(self, resume: bool, pre_existing: bool) -> None:
        manifest = self.out / "manifest.json"
        if manifest.exists():
            old = _read_manifest(manifest)
            if not resume:
                raise SpecError(str(self.out), "", "already holds results of experiment "
                                f"{old.get('name')!r}; use --resume to finish it or choose "
                                "another --out folder")
            if old.get("fingerprint") != self.experiment.fingerprint():
                raise SpecError(str(self.out), "", "holds results of a different spec "
                                f"(fingerprint {old.get('fingerprint')} ≠ "
                                f"{self.experiment.fingerprint()}); --resume needs the same "
                                "spec, parameters and replications")
            self._check_code(old)
        elif any((self.out / d).exists() for d in ("runs", "yearly", "journal",
                                                    "failures.parquet", CHECKSUMS)):
            raise SpecError(str(self.out), "", "holds results but no manifest.json, so "
                            "nothing says which spec and code made them; they are never "
                            "adopted: move the folder away or choose another --out")
        elif pre_existing and not resume:
            raise SpecError(str(self.out), "", "exists and is not empty (and is not an "
                            "experiment folder); choose another --out folder")
        for d in (self.runs_dir, self.yearly_dir, self.journal_dir):
            d.mkdir(parents=True, exist_ok=True)
        for tmp in self.out.rglob(".*.tmp"):
            tmp.unlink()
        self.sums = Checksums(self.out)
        self._verify_parts()  # and takes the run ids of the good parts
        # Finish compactions a crash interrupted.
        runs = _generations(self.runs_dir)
        for j in sorted(self.journal_dir.glob("*.jsonl")):
            g = int(j.stem)
            if g in runs:
                j.unlink()  # its part is complete: the journal is a leftover
            else:
                self._compact(g, read_journal(j, self.damaged))
                j.unlink()
        self.done.update(self._stored)
        old_failures = self.out / "failures.parquet"
        if old_failures.exists():
            problem, f = self.sums.problem(old_failures), None
            if problem is None:
                try:
                    f = pd.read_parquet(old_failures)
                except Exception as exc:  # any unreadable file is damage
                    problem = f"unreadable ({type(exc).__name__})"
            if problem:
                self._set_aside(old_failures, problem)  # failed runs are retried anyway
            else:
                for rec in f.to_dict(orient="records"):
                    if int(rec["run_id"]) not in self.done:
                        self.failures[int(rec["run_id"])] = rec
        self.generation = max([0, *_generations(self.runs_dir)]) + 1
        self._journal_records = 0
        self._journal: Any = None
        self.write_manifest(state="running")

    def _verify_parts(self) -> None:
        """Set aside bad parts; take the run ids of the good ones (``_stored``).

        A part is bad when damaged, truncated, missing or unreadable.

        Runs and yearly parts of a generation go together: if either is bad both are set
        aside (to ``OUT/damaged/``), so their runs are not done and ``--resume`` runs
        them again. A part without a recorded checksum whose journal still exists (a crash
        between writing the part and recording it) is rebuilt from the journal.
        """
        gens = set(_generations(self.runs_dir)) | set(_generations(self.yearly_dir))
        gens |= {int(m.group(1)) for p in self.sums.recorded("runs")
                 if (m := _PART.search(p.name))}
        for g in sorted(gens):
            name = f"part-{g:06d}.parquet"
            runs_p, yearly_p = self.runs_dir / name, self.yearly_dir / name
            journal = self.journal_dir / f"{g:06d}.jsonl"
            if (runs_p.exists() and not self.sums.known(runs_p) and journal.exists()):
                for p in (runs_p, yearly_p):
                    p.unlink(missing_ok=True)
                continue
            problem = next(((p, why) for p in (runs_p, yearly_p)
                            if (why := self.sums.problem(p))), None)
            if problem is None and runs_p.exists():
                try:
                    ids = pd.read_parquet(runs_p, columns=["run_id"])["run_id"]
                except Exception as exc:  # any unreadable part is damage
                    problem = (runs_p, f"unreadable ({type(exc).__name__})")
                else:
                    self._stored.update(int(x) for x in ids)
            if problem is not None:
                self._set_aside(problem[0], problem[1])
                other = yearly_p if problem[0] == runs_p else runs_p
                if other.exists():
                    self._set_aside(other, f"goes with the damaged {problem[0].name}")
                else:
                    self.sums.forget(other)

    def _set_aside(self, path: Path, why: str) -> None:
        """Move a bad results file to ``OUT/damaged/`` and say so (``self.damaged``)."""
        self.damaged.append(f"{path}: {why}; set aside, its runs are run again")
        if path.exists():
            dest = self.out / "damaged"
            dest.mkdir(exist_ok=True)
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
            os.replace(path, dest / f"{stamp}-{path.parent.name}-{path.name}")
        self.sums.forget(path)

    def _check_code(self, old: dict[str, Any]) -> None:
        """Refuse to resume a folder written by other code (unless mixing is allowed).

        Other code is another source hash or another version of a dependency the folder's
        manifest records (:data:`RESULT_DEPENDENCIES`); a manifest of before dependencies
        were recorded leaves them unknown: a warning, not a refusal.
        """
        history = code_history(old)
        if any("dependencies" not in h for h in history):
            warnings.warn(f"{self.out}: its manifest does not record the versions of the "
                          "numerical libraries that computed its runs (written by an older "
                          "thuisplus); resuming cannot check that they are the same",
                          stacklevel=4)
        other = [h for h in history if code_changes(h, self.code)]
        if not other:
            self.code_history = history
            return
        if not self.allow_mixed:
            raise CodeMismatch(
                f"{self.out}: its runs were computed by {_describe(other[-1])}; this is "
                f"{_describe(self.code, since=other[-1])}. Resuming would mix results "
                "computed by both in one folder: start a fresh --out (or `thuisplus run "
                "--fresh`), or pass --allow-mixed to mix them knowingly (recorded in the "
                "manifest)")
        self.code_history = [*history, self.code]

    def pending(self) -> list[RunTask]:
        """Tasks not finished yet (failed ones are retried), in run-id order."""
        return [t for rid, t in sorted(self.tasks.items()) if rid not in self.done]

    # --- writing ------------------------------------------------------------------------
    def _journal_file(self):
        if self._journal is None:
            path = self.journal_dir / f"{self.generation:06d}.jsonl"
            self._journal = open(path, "a", encoding="utf-8")
        return self._journal

    def add(self, record: dict[str, Any]) -> None:
        """Store one finished record (``done`` or ``failed``) at once; compact when due."""
        rid = int(record["run_id"])
        t = self.tasks[rid]
        worker_code = record.get("code", self.code["source"])
        if (record["status"] == "done" and worker_code != self.code["source"]
                and not self.allow_mixed):
            record = {**record, "status": "failed",
                      "error": f"CodeMismatch: the worker (pid {record.get('pid')}) runs "
                               f"source {worker_code}, the runner {self.code['source']}; "
                               "its result is not stored (update the workers' code)"}
        if record["status"] == "done":
            if rid in self.done:
                return
            ids = {"run_id": t.run_id, "scenario": t.scenario, "point": t.point,
                   "replication": t.replication, "seed": t.seed}
            row = {**ids,
                   **{f"x.{k}": v for k, v in self.experiment.points[t.point].items()},
                   **{f"post.{k}": v for k, v in t.drawn.items()},
                   **record["outcomes"], "seconds": record.get("seconds"),
                   "code": worker_code}
            fh = self._journal_file()
            fh.write(journal_line({"run_id": rid, "row": row, "yearly": record.get("yearly")}))
            fh.flush()
            self.done.add(rid)
            self.failures.pop(rid, None)
            self._journal_records += 1
            if self._journal_records >= self.flush_every:
                self.flush()
        else:
            self.failures[rid] = {
                "run_id": rid, "scenario": t.scenario, "point": t.point,
                "replication": t.replication, "seed": t.seed,
                "overrides": json.dumps(t.overrides, default=str),
                "error": str(record.get("error", "")),
                "traceback": str(record.get("traceback", "")),
                "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            }
            self._write_failures()

    def flush(self) -> None:
        """Compact the current journal into parquet parts and start a new generation."""
        if self._journal is None:
            return
        self._journal.close()
        self._journal = None
        path = self.journal_dir / f"{self.generation:06d}.jsonl"
        self._compact(self.generation, read_journal(path))
        path.unlink()
        self.generation += 1
        self._journal_records = 0
        self.write_manifest(state="running")

    def _compact(self, generation: int, records: list[dict[str, Any]]) -> set[int]:
        """Write a journal's records as parts of ``generation``; returns their run ids.

        A run id already in a part, or twice in the journal, is kept once (the first).
        """
        rows, yearly, ids = [], [], set()
        for rec in records:
            rid = int(rec["run_id"])
            if rid in ids or rid in self._stored:
                continue
            ids.add(rid)
            row = rec["row"]
            rows.append(row)
            if rec.get("yearly"):
                yearly.append((row, rec["yearly"]))
        if not rows:
            return ids
        name = f"part-{generation:06d}.parquet"
        if yearly:
            _atomic_parquet(_yearly_frame(yearly), self.yearly_dir / name)
            self.sums.record(self.yearly_dir / name)
        _atomic_parquet(pd.DataFrame(rows), self.runs_dir / name)
        self.sums.record(self.runs_dir / name)
        self._stored.update(ids)
        return ids

    def _write_failures(self) -> None:
        path = self.out / "failures.parquet"
        if self.failures:
            _atomic_parquet(pd.DataFrame(list(self.failures.values())), path)
            self.sums.record(path)
        elif path.exists():
            path.unlink()
            self.sums.forget(path)

    def write_manifest(self, state: str) -> None:
        """Write manifest.json atomically: spec, code version, seeds, status per run."""
        tasks = [self.tasks[rid] for rid in sorted(self.tasks)]
        status = ["done" if t.run_id in self.done else "failed" if t.run_id in self.failures
                  else "pending" for t in tasks]
        exp = self.experiment
        manifest = {
            "name": exp.name,
            "state": state,
            "fingerprint": exp.fingerprint(),
            "updated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "code": self.code,
            "code_history": self.code_history,
            "spec": exp.to_dict(),
            "spec_source": exp.source,
            "base_parameters": (exp.base_params.model_dump(mode="json")
                                if exp.base_params is not None else None),
            "design": {"method": exp.spec.design.method, "keys": exp.design_keys,
                       "points": exp.points},
            "counts": {"runs": len(self.tasks), "done": len(self.done),
                       "failed": len(self.failures),
                       "pending": len(self.tasks) - len(self.done) - len(self.failures)},
            "runs": {
                "run_id": [t.run_id for t in tasks],
                "scenario": [t.scenario for t in tasks],
                "point": [t.point for t in tasks],
                "replication": [t.replication for t in tasks],
                "seed": [t.seed for t in tasks],
                "status": status,
            },
        }
        manifest = json.loads(json.dumps(manifest, default=str))
        manifest["checksum"] = _manifest_checksum(manifest)
        data = json.dumps(manifest, indent=1).encode()
        _atomic_write_bytes(self.out / "manifest.json", data)

    def close(self, state: str | None = None) -> None:
        """Compact what is left, write the final manifest and release the folder."""
        try:
            self.flush()
            self._write_failures()
            if state is None:
                state = ("complete" if len(self.done) == len(self.tasks)
                         else "incomplete")
            self.write_manifest(state=state)
        finally:
            self.lock.release()


# --- reading ------------------------------------------------------------------------------
def _manifest_checksum(manifest: dict[str, Any]) -> str:
    """SHA-256 of a manifest's canonical JSON, all but its own ``checksum``."""
    body = {k: v for k, v in manifest.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _read_manifest(path: Path) -> dict[str, Any]:
    """A manifest.json, or a SpecError naming it when it is damaged."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        if "checksum" in data and data["checksum"] != _manifest_checksum(data):
            raise ValueError("its checksum differs from the one written with it")
        return data
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SpecError(str(path), "", f"is damaged ({exc}); without it nothing says which "
                        "spec and code made the folder's results: move the folder away and "
                        "run again") from None


def _check_folder(out: Path) -> Path:
    out = Path(out)
    if not (out / "manifest.json").is_file():
        raise SpecError(str(out), "", "not an experiment results folder (no manifest.json)")
    return out


def _read_part(path: Path, sums: Checksums, columns: list[str] | None = None
               ) -> pd.DataFrame:
    """A results file, verified against its checksum; a SpecError names a bad one."""
    problem = sums.problem(path)
    if problem is None:
        try:
            return pd.read_parquet(path, columns=columns)
        except Exception as exc:  # any unreadable file is damage
            problem = f"unreadable ({type(exc).__name__}: {exc})"
    raise SpecError(str(path), "", f"{problem}: its values are not read; `--resume` on "
                    "the folder sets it aside and runs its runs again")


def _missing_parts(out: Path, sums: Checksums) -> None:
    """A recorded part that is gone is an error (its runs would silently be missing)."""
    for p in sums.recorded("runs") + sums.recorded("yearly"):
        if not p.exists():
            raise SpecError(str(p), "", "is missing (it was written, then deleted): "
                            "`--resume` on the folder runs its runs again")


def load_manifest(out: str | Path) -> dict[str, Any]:
    """The folder's manifest.json as a dict."""
    out = _check_folder(Path(out))
    return _read_manifest(out / "manifest.json")


def _live_journals(out: Path) -> Iterable[dict[str, Any]]:
    runs = _generations(out / "runs")
    for j in sorted((out / "journal").glob("*.jsonl")):
        if int(j.stem) not in runs:
            yield from read_journal(j)


def load_results(out: str | Path) -> pd.DataFrame:
    """One row per finished run: ids, design values (``x.*``) and outcome columns.

    Every part is checked against its checksum: a damaged, truncated or missing one is
    named (:class:`SpecError`) rather than read.
    """
    out = _check_folder(Path(out))
    sums = Checksums(out)
    _missing_parts(out, sums)
    frames = [_read_part(p, sums) for _, p in sorted(_generations(out / "runs").items())]
    live = [rec["row"] for rec in _live_journals(out)]
    if live:
        frames.append(pd.DataFrame(live))
    if not frames:
        return pd.DataFrame(columns=ID_COLUMNS)
    df = pd.concat(frames, ignore_index=True)
    return df.sort_values("run_id", kind="stable").reset_index(drop=True)


def load_yearly(out: str | Path) -> pd.DataFrame:
    """One row per finished run × year (compacted parts only)."""
    out = _check_folder(Path(out))
    sums = Checksums(out)
    _missing_parts(out, sums)
    runs = _generations(out / "runs")
    frames = [_read_part(p, sums) for g, p in sorted(_generations(out / "yearly").items())
              if g in runs]
    if not frames:
        return pd.DataFrame(columns=[*ID_COLUMNS, "year"])
    return (pd.concat(frames, ignore_index=True)
            .sort_values(["run_id", "year"], kind="stable").reset_index(drop=True))


def load_failures(out: str | Path) -> pd.DataFrame:
    """Runs that failed (error and traceback); empty when none did."""
    out = _check_folder(Path(out))
    path = out / "failures.parquet"
    if not path.exists():
        return pd.DataFrame(columns=[*ID_COLUMNS, "error", "traceback"])
    return _read_part(path, Checksums(out))
