"""The policymakers' dashboard: a Solara page over pairs and their business case.

``serve`` starts the page (``thuisplus dashboard``); :mod:`sim.dashboard.app` holds the
page, :mod:`sim.dashboard.controls` what each slider sets, :mod:`sim.dashboard.compute`
the computation behind it and :mod:`sim.dashboard.views` the figures, both kept free of
Solara so they can be tested and timed on their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.params import Parameters

__all__ = ["serve"]


def serve(params: Parameters, *, host: str, port: int, label: str) -> None:
    """Serve the dashboard for ``params`` on http://HOST:PORT until Ctrl-C (see server)."""
    from sim.dashboard.server import serve as _serve

    _serve(params, host=host, port=port, label=label)
