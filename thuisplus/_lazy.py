"""Lazy public names of a package (PEP 562): imported from their modules on first use.

``thuisplus.experiments`` and ``thuisplus.calibration`` list their public names and where
each lives; importing the package imports none of those modules, so ``thuisplus --help``
and a command that needs one part do not pay for the others (or for a missing extra).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(namespace: dict[str, Any], exports: Mapping[str, str]
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's ``__getattr__`` and ``__dir__`` for ``exports`` (name → its module).

    ``namespace`` is the package's ``globals()``: a name, once imported, is kept there.
    """
    package = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(namespace.get("__all__", ())))

    return __getattr__, __dir__
