"""Functions that worker processes import in the reliability tests (a test module's own
functions cannot be pickled into a forkserver worker)."""

from __future__ import annotations


class Unpicklable(Exception):
    """An exception that cannot be rebuilt from its args (a required keyword)."""

    def __init__(self, message: str, *, detail: str):
        super().__init__(message)
        self.detail = detail


def raise_unpicklable(x: int) -> int:
    """Raise an exception the parent process cannot unpickle (for x == 2)."""
    if x == 2:
        raise Unpicklable(f"bad input {x}", detail="something the model could not do")
    return x
