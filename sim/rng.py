"""Common random numbers: one independent stream per process, derived from the run's seed.

Each stream is seeded from the run's ``SeedSequence`` entropy and a hash of the stream's
name (as Starsim does), so adding a process never shifts another one's numbers. Every
process draws a fixed-size block each week whatever the state; the baseline and
Thuisplusflat arms of a pair therefore see the same numbers, seat by seat and week by week.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["STREAMS", "keyed_uniform", "make_streams", "seed_entropy"]

_MASK = (1 << 64) - 1

STREAMS = (
    "init",
    "demography",
    "vitality",
    "loneliness",
    "care",
    "informal_care",
    "staffing",
    "inflow",
    "interventions",
)


def seed_entropy(rng: int | np.random.SeedSequence | np.random.Generator | None) -> int:
    """Reduce anything accepted as ``rng=`` to one integer of entropy."""
    if rng is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(rng, np.random.SeedSequence):
        return int(rng.generate_state(2, np.uint64).astype(object).prod() % (2**127))
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, 2**63 - 1))
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0:
        return int(rng)
    raise ValueError(f"rng = {rng!r}: allowed: a non-negative int, a SeedSequence, "
                     "a numpy Generator or None")


def make_streams(entropy: int) -> dict[str, np.random.Generator]:
    """One PCG64 generator per process, keyed by the process name."""
    return {
        name: np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(entropy, spawn_key=(zlib.crc32(name.encode()),)))
        )
        for name in STREAMS
    }


def _splitmix64(x: int) -> int:
    """The SplitMix64 finaliser (Steele, Lea & Flood 2014): a strong 64-bit mixer."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def keyed_uniform(entropy: int, *key: int) -> float:
    """One uniform in [0, 1) that depends only on (entropy, key...): counter-based draws.

    For rare events of one agent (a nursing-home stay) where a per-event generator would
    cost more than the event: the value is the same in both arms of a pair whatever else
    happened, and nothing else's draws move.
    """
    x = _splitmix64(entropy & _MASK)
    for k in key:
        x = _splitmix64(x ^ (k & _MASK))
    return (x >> 11) * (1.0 / (1 << 53))
