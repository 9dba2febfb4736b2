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


def seed_entropy(seed: int | np.random.SeedSequence | np.random.Generator | None) -> int:
    """Reduce anything accepted as a seed to the one integer that reproduces the run.

    Every form of a seed gives the run of its integer: ``1``, ``np.int64(1)``,
    ``SeedSequence(1)``, a fresh ``default_rng(1)`` and a fresh ``PCG64(1)`` are the same
    run (Mesa's ``Model(rng=1)`` and ``Model(rng=default_rng(1))`` agree too). A
    ``SeedSequence`` with a spawn key or sequence entropy (``[1, 2]``, as a list too) is
    reduced by hashing its state; a generator that has already drawn (or was not made
    from an integer) hands out the seed by drawing one. ``None``: fresh entropy from the
    operating system. The result is ``model.seed``.
    """
    if seed is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(seed, np.random.Generator):
        bits = seed.bit_generator
        plain = _fresh_from_int(bits)
        return plain if plain is not None else int(seed.integers(0, 2**63 - 1))
    if isinstance(seed, np.random.BitGenerator):
        plain = _fresh_from_int(seed)
        return plain if plain is not None else int(np.random.Generator(seed).integers(0, 2**63 - 1))
    if isinstance(seed, (list, tuple)) and seed and all(
            isinstance(x, (int, np.integer)) and not isinstance(x, bool) and x >= 0
            for x in seed):
        seed = np.random.SeedSequence([int(x) for x in seed])
    if isinstance(seed, np.random.SeedSequence):
        plain = _plain_int(seed)
        if plain is not None:
            return plain
        return int(seed.generate_state(2, np.uint64).astype(object).prod() % (2**127))
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0:
        return int(seed)
    raise ValueError(f"seed = {seed!r}: allowed: a non-negative int, a list of them, a "
                     "SeedSequence, a numpy Generator or BitGenerator, or None")


def _fresh_from_int(bits: np.random.BitGenerator) -> int | None:
    """The integer a bit generator was seeded with, if it has not drawn since; else None."""
    seq = getattr(bits, "seed_seq", None)
    if isinstance(seq, np.random.SeedSequence) and _plain_int(seq) is not None:
        if _same_state(type(bits)(seq).state, bits.state):
            return _plain_int(seq)
    return None


def _plain_int(seq: np.random.SeedSequence) -> int | None:
    """The integer a ``SeedSequence(n)`` was made from, or None for any other sequence.

    Spawning children from it does not change its own state, so it stays ``n``.
    """
    e = seq.entropy
    if (isinstance(e, (int, np.integer)) and not isinstance(e, bool) and e >= 0
            and not seq.spawn_key):
        return int(e)
    return None


def _same_state(a: dict, b: dict) -> bool:
    """Whether two bit-generator states (nested dicts of ints) are equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_state(a[k], b[k]) for k in a)
    return bool(np.array_equal(a, b)) if isinstance(a, np.ndarray) else a == b


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
