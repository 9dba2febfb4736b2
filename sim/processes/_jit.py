"""Numba settings shared by the process kernels.

Kernels are plain per-row loops compiled once and cached on disk (``cache=True``), so
worker processes of a batch reuse the compiled code. Random numbers never come from
inside a kernel: each process draws its fixed block from its numpy stream and passes it
in, which keeps the common-random-number guarantee independent of the kernels.
"""

from __future__ import annotations

import numba

__all__ = ["kernel"]

kernel = numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy")
