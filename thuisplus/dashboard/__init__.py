"""The policymakers' dashboard: a Solara page over pairs and their business case.

``serve`` starts the page (``thuisplus dashboard``); :mod:`thuisplus.dashboard.app` holds
the page, :mod:`thuisplus.dashboard.controls` what each slider sets,
:mod:`thuisplus.dashboard.compute` the computation behind it, the verdict and the
comparison of two options, :mod:`thuisplus.dashboard.charts` the figures (SVG the browser
draws), :mod:`thuisplus.dashboard.export` the downloads and :mod:`thuisplus.dashboard.i18n`
the two languages, all kept free of Solara so they can be tested and timed on their own;
:mod:`thuisplus.dashboard.assets` fetches the front-end files.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from thuisplus.sim.params import Parameters

__all__ = ["serve"]


def serve(params: Parameters, *, host: str, port: int, label: str, fetch: bool = False,
          progress: Callable[[str], None] | None = None, lang: str = "nl",
          posterior: Path | None = None) -> None:
    """Serve the dashboard for ``params`` on http://HOST:PORT until Ctrl-C (see server).

    ``fetch``: first fetch the front-end files that are missing (from the npm registry,
    hashes pinned; :func:`thuisplus.dashboard.assets.fetch_assets`).
    """
    from thuisplus.dashboard.server import serve as _serve

    _serve(params, host=host, port=port, label=label, fetch=fetch, progress=progress,
           lang=lang, posterior=posterior)
