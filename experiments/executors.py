"""Executors: where the runs of an experiment (or a calibration) are computed.

All executors have one method that matters, :meth:`Executor.imap_unordered`: give it a
function and tasks, get back ``(task, result)`` pairs as they finish, where ``result`` is
the function's return value or a :class:`WorkerDied` error. A run's result never depends
on the executor: each task carries its own seed.

- :class:`SerialExecutor` runs in this process (debugging, tiny jobs).
- :class:`LocalExecutor` runs on local worker processes. When a worker dies hard
  (segfault, out-of-memory kill) the pool breaks; the executor rebuilds it, re-runs the
  tasks that were in flight one at a time to find the one that kills its worker, reports
  that one as :class:`WorkerDied` and carries on with the rest.
- :class:`DaskExecutor` runs on a Dask distributed cluster: a running scheduler
  (``tcp://host:8786``) or, without an address, a ``LocalCluster`` on this machine. Dask
  itself moves tasks of a dead worker elsewhere and reports ``KilledWorker`` for a task
  that kills several workers.

At most ``window`` tasks are in flight at a time, so memory stays bounded however many
tasks there are.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import multiprocessing as mp
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

__all__ = ["DaskExecutor", "Executor", "LocalExecutor", "RemoteError", "SerialExecutor",
           "WorkerDied", "default_workers", "make_executor"]

T = TypeVar("T")
EXECUTORS = ("local", "dask", "serial")


class WorkerDied(RuntimeError):
    """The process computing a task died (segfault, out-of-memory kill, lost worker)."""


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class Executor:
    """Base class: ``imap_unordered`` plus an ordered ``map`` built on it."""

    workers: int = 1
    name: str = "executor"

    def imap_unordered(self, fn: Callable[[T], Any], tasks: Iterable[T]
                       ) -> Iterator[tuple[T, Any]]:
        """Yield ``(task, fn(task) or WorkerDied)`` as tasks finish."""
        raise NotImplementedError

    def map(self, fn: Callable[[T], Any], tasks: Iterable[T],
            on_result: Callable[[Any], None] | None = None) -> list[Any]:
        """``[fn(t) for t in tasks]`` in order, computed by this executor.

        ``on_result`` is called with each result as it arrives (for progress bars). A
        task whose worker died raises :class:`WorkerDied` here (``imap_unordered``
        reports it instead).
        """
        items = list(tasks)
        out: list[Any] = [None] * len(items)
        for (i, _), result in self.imap_unordered(_Indexed(fn), list(enumerate(items))):
            if isinstance(result, WorkerDied):
                raise result
            out[i] = result
            if on_result is not None:
                on_result(result)
        return out

    def check_code(self, source: str) -> None:
        """Refuse workers whose code differs from ``source`` (the runner's source hash).

        Workers of this process's own pool run its files; a Dask executor asks each worker.
        """

    def close(self) -> None:
        """Release workers."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Indexed:
    """Picklable ``lambda it: fn(it[1])``."""

    def __init__(self, fn: Callable[[Any], Any]):
        self.fn = fn

    def __call__(self, item: tuple[int, Any]) -> Any:
        return self.fn(item[1])


class RemoteError(RuntimeError):
    """An exception raised in a worker, carried back as text (type, message, traceback).

    Any exception survives the trip: one that cannot be pickled back (a required keyword
    argument, a handle) would otherwise break the pool and be reported as a dead worker.
    """


class _Guarded:
    """Picklable ``fn`` whose exceptions come back as :class:`RemoteError`."""

    def __init__(self, fn: Callable[[Any], Any]):
        self.fn = fn

    def __call__(self, item: Any) -> Any:
        try:
            return self.fn(item)
        except Exception as exc:
            import traceback

            raise RemoteError(f"{type(exc).__name__}: {exc}\n(in the worker)\n"
                              f"{traceback.format_exc()}") from None


class SerialExecutor(Executor):
    """Run every task in this process, in order."""

    name = "serial"

    def imap_unordered(self, fn, tasks):
        """Yield ``(task, fn(task))`` one by one."""
        for t in tasks:
            yield t, fn(t)


def _die_with_runner(runner: int, started: float) -> None:
    """Worker initializer: end this worker within a second of its runner's end.

    A worker's parent is the forkserver, not the runner, and every worker holds both
    ends of the pool's queues: neither notices a runner killed with SIGKILL, so they
    would wait for work forever. A watchdog thread checks once a second that the runner
    (pid and start time, so a reused pid does not count) is alive and not a zombie.
    """
    import psutil

    def alive() -> bool:
        try:
            p = psutil.Process(runner)
            return p.create_time() == started and p.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    def watch() -> None:
        while alive():
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="thuisplus-runner-watch", daemon=True).start()


def _mp_context() -> mp.context.BaseContext:
    if sys.platform.startswith("linux"):
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["thuisplus.experiments.outcomes"])
        return ctx
    return mp.get_context("spawn")


class LocalExecutor(Executor):
    """A pool of local worker processes that survives workers dying hard."""

    name = "local"

    def __init__(self, workers: int | None = None, window: int | None = None):
        self.workers = workers or default_workers()
        self.window = window or 2 * self.workers
        self._pool: cf.ProcessPoolExecutor | None = None
        self.rebuilds = 0
        self._finished = 0
        self._deaths = 0

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        if self._pool is None:
            import psutil

            me = os.getpid()
            self._pool = cf.ProcessPoolExecutor(
                self.workers, mp_context=_mp_context(), initializer=_die_with_runner,
                initargs=(me, psutil.Process(me).create_time()))
        return self._pool

    def _drop_pool(self) -> None:
        if self._pool is not None:
            with contextlib.suppress(Exception):
                for p in list(getattr(self._pool, "_processes", {}).values()):
                    p.kill()
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def imap_unordered(self, fn, tasks):
        """Yield results as they come, rebuilding the pool after a worker dies."""
        todo = iter(tasks)
        inflight: dict[cf.Future, Any] = {}
        exhausted = False
        while True:
            while not exhausted and len(inflight) < self.window:
                try:
                    t = next(todo)
                except StopIteration:
                    exhausted = True
                    break
                fut = self._submit(_Guarded(fn), t)
                if fut is None:  # the pool broke while starting: run it with the suspects
                    inflight[self._lost(t)] = t
                else:
                    inflight[fut] = t
            if not inflight:
                return
            done, _ = cf.wait(inflight, return_when=cf.FIRST_COMPLETED)
            suspects = []
            for fut in done:
                t = inflight.pop(fut)
                exc = None if fut.cancelled() else fut.exception()
                if fut.cancelled() or isinstance(exc, BrokenProcessPool):
                    suspects.append(t)
                elif exc is not None:
                    raise exc
                else:
                    self._finished += 1
                    yield t, fut.result()
            if suspects:
                # The pool is broken: every task still in flight is lost with it.
                suspects += list(inflight.values())
                inflight.clear()
                self._drop_pool()
                self.rebuilds += 1
                yield from self._isolate(fn, suspects)

    def _submit(self, fn, t) -> cf.Future | None:
        """Submit to the pool; None if the pool broke while starting a worker.

        Starting a worker goes through the forkserver: if that process was killed, the
        pool raises (EOFError, BrokenPipeError, BrokenProcessPool) and is dropped; the
        next pool starts a new forkserver.
        """
        try:
            return self._new_pool().submit(fn, t)
        except (EOFError, OSError, BrokenProcessPool):
            self._drop_pool()
            self.rebuilds += 1
            return None

    @staticmethod
    def _lost(t) -> cf.Future:
        """A future that reports ``t`` as lost with a broken pool (it will be re-run)."""
        fut: cf.Future = cf.Future()
        fut.set_exception(BrokenProcessPool("the pool broke while starting a worker"))
        return fut

    def _isolate(self, fn, suspects):
        """Re-run the tasks of a broken pool one at a time; report the one that kills."""
        for t in suspects:
            fut = (self._submit(_Guarded(fn), t) or self._submit(_Guarded(fn), t)
                   or self._lost(t))
            try:
                result = fut.result()
            except BrokenProcessPool:
                self._drop_pool()
                self.rebuilds += 1
                self._deaths += 1
                if self._finished == 0 and self._deaths >= 3:
                    raise RuntimeError(
                        "worker processes die before finishing any run; if you started "
                        "this from a script, put the call under `if __name__ == "
                        "'__main__':` (worker processes import the script)") from None
                yield t, WorkerDied("the worker process died while computing this run "
                                    "(killed, out of memory or crashed); rerun it alone "
                                    "to see why")
            else:
                self._finished += 1
                yield t, result

    def close(self) -> None:
        """Stop the workers."""
        self._drop_pool()


class DaskExecutor(Executor):
    """Tasks on a Dask distributed cluster (a scheduler address, or a LocalCluster)."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int | None = None,
                 window: int | None = None):
        from thuisplus.extras import require

        require("dask", what="the Dask executor (--executor dask)")
        from distributed import Client, LocalCluster

        self.cluster = None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise ConnectionError(f"cannot reach the Dask scheduler at {scheduler!r}: "
                                      f"{exc}; start one with `dask scheduler` and workers "
                                      "with `dask worker ADDRESS`") from None
        else:
            self.cluster = LocalCluster(n_workers=workers or default_workers(),
                                        threads_per_worker=1, processes=True,
                                        dashboard_address=None,
                                        silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        n = len(self.client.scheduler_info().get("workers", {}))
        self.workers = max(1, n)
        self.window = window or 4 * self.workers

    def imap_unordered(self, fn, tasks):
        """Submit at most ``window`` tasks at a time; yield as they complete."""
        from distributed import as_completed

        todo = iter(tasks)
        ac = as_completed(with_results=False)
        owner: dict[str, Any] = {}

        def submit() -> bool:
            try:
                t = next(todo)
            except StopIteration:
                return False
            # unique keys: two experiments on one cluster must never share a result
            fut = self.client.submit(_Guarded(fn), t, pure=False,
                                     key=f"thuisplus-{uuid.uuid4().hex}")
            owner[fut.key] = t
            ac.add(fut)
            return True

        for _ in range(self.window):
            if not submit():
                break
        for fut in ac:
            t = owner.pop(fut.key)
            try:
                result = fut.result()
            except Exception as exc:
                if type(exc).__name__ == "KilledWorker":
                    result = WorkerDied(f"Dask gave up on this run after it killed workers: "
                                        f"{exc}")
                elif self.client.status != "running" or type(exc).__name__ in (
                        "CancelledError", "CommClosedError", "FutureCancelledError"):
                    raise ConnectionError(
                        f"lost the Dask scheduler ({type(exc).__name__}: {exc}); the runs "
                        "finished before it are kept: restart the cluster and --resume"
                    ) from None
                else:
                    raise
            fut.release()
            yield t, result
            submit()

    def check_code(self, source: str) -> None:
        """Ask every worker of the cluster for its source hash before any task."""
        from thuisplus.experiments.store import CodeMismatch, source_hash

        found = self.client.run(source_hash)
        other = {w: h for w, h in found.items() if h != source}
        if other:
            listed = ", ".join(f"{w} runs {h}" for w, h in sorted(other.items()))
            raise CodeMismatch(f"Dask workers run other code than the runner (source "
                               f"{source}): {listed}; install the same version on every "
                               "worker and restart them")

    def close(self) -> None:
        """Disconnect; stop the LocalCluster if this executor started it.

        Dask's own logging is silenced first: a client whose scheduler is gone logs its
        reconnect attempts as tracebacks, which say nothing the runner has not said.
        """
        logging.getLogger("distributed").setLevel(logging.CRITICAL)
        with contextlib.suppress(Exception):
            self.client.close()
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close()


def make_executor(kind: str = "local", workers: int | None = None,
                  scheduler: str | None = None) -> Executor:
    """Build an executor by name: ``local`` (default), ``dask`` or ``serial``."""
    if kind not in EXECUTORS:
        raise ValueError(f"executor {kind!r}: allowed are {', '.join(EXECUTORS)}")
    if scheduler and kind != "dask":
        raise ValueError(f"--scheduler {scheduler!r} needs --executor dask")
    if kind == "serial":
        return SerialExecutor()
    if kind == "dask":
        return DaskExecutor(scheduler, workers)
    return LocalExecutor(workers)
