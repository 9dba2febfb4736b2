"""A process's uniforms drawn only where someone reads them, from numpy's PCG64, bit for bit.

Every process draws a fixed block of uniforms a week, ``g.random((k, n_persons))``, so
that the arms of a pair (and every setting of the Thuisplusflat) see the same numbers
(``thuisplus.sim.rng``). Only the columns of persons followed that week are read: of
the ~1,500 rows of a lifetime run ~600 are alive as the programme ends and ~50 twenty
years later. :func:`uniforms` fills those columns with the very values ``g.random`` would
have put there and leaves the stream where drawing the whole block would have left it:
a value in between is stepped over, a stretch of them jumped over at once (PCG is a
linear congruential generator: d steps are one multiply-add by ``M^d`` and
``1 + M + … + M^(d-1)``, tabled). The golden baseline is unchanged.

The generator's state is read and written in place (:func:`state_view`, a view on
numpy's own memory), so these draws and numpy's or numba's draws from the same
generator interleave freely. Where numpy keeps that state in another layout than the
one checked here, :func:`state_view` gives an empty array and :func:`uniforms` draws the
whole block with ``g.random``: the same numbers, without the saving.
"""

from __future__ import annotations

import ctypes
import functools

import numpy as np
from llvmlite import ir
from numba import types
from numba.core.extending import intrinsic, overload

__all__ = ["NO_COLUMNS", "NO_STATE", "state_view", "state_views", "uniforms"]

#: PCG64's multiplier (numpy's ``PCG_DEFAULT_MULTIPLIER_128``), high and low 64 bits.
_MULT_HI, _MULT_LO = 2549297995355413924, 4865540595714422341
#: What :func:`state_view` gives where the state's layout is not the one expected.
NO_STATE = np.zeros(0, dtype=np.uint64)
#: No columns: with ``full`` (every column drawn) the columns are not looked at.
NO_COLUMNS = np.zeros(0, dtype=np.int64)

_I64, _I128 = ir.IntType(64), ir.IntType(128)


def state_view(g: np.random.Generator) -> np.ndarray:
    """PCG64 state of ``g`` as a writable view on numpy's memory: (state lo, hi, inc lo, hi).

    Writing it moves ``g`` itself. :data:`NO_STATE` if ``g`` is not a PCG64 or numpy does
    not lay its state out as a native 128-bit integer (little-endian), as it does on
    Linux and macOS (checked once, :func:`_native_layout`). Make the view afresh for each
    use: a copy of it (in a pickled or deep-copied model) is no longer the generator's.
    """
    bits = g.bit_generator
    if type(bits) is not np.random.PCG64 or not _native_layout():
        return NO_STATE
    return _view(bits)


def state_views(generators: tuple[np.random.Generator, ...]) -> tuple[np.ndarray, ...]:
    """:func:`state_view` of each of ``generators``, in their order."""
    return tuple(state_view(g) for g in generators)


def _view(bits: np.random.PCG64) -> np.ndarray:
    # numpy's pcg64_state: {pcg64_random_t *pcg_state; int has_uint32; uint32_t uinteger}.
    # (from_address, not ctypes.cast: a cast leaves reference cycles, two a call, that
    # only the cyclic collector frees; a batch worker makes ~10 views a run.)
    inner = ctypes.c_void_p.from_address(bits.ctypes.state_address).value
    return np.frombuffer((ctypes.c_uint64 * 4).from_address(inner), dtype=np.uint64)


@functools.cache
def _native_layout() -> bool:
    """Whether numpy's PCG64 keeps (state, increment) as little-endian 128-bit integers."""
    bits = np.random.PCG64(20261204)
    bits.random_raw(3)
    s, low = bits.state["state"], (1 << 64) - 1
    expected = [s["state"] & low, s["state"] >> 64, s["inc"] & low, s["inc"] >> 64]
    return [int(v) for v in _view(bits)] == expected


def _wide(builder, lo, hi):
    """The 128-bit integer of two 64-bit halves."""
    return builder.or_(builder.zext(lo, _I128),
                       builder.shl(builder.zext(hi, _I128), ir.Constant(_I128, 64)))


def _jump_tables(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``M^d`` and ``1 + M + … + M^(d-1)`` mod 2^128 for d < ``n``, as (lo, hi) rows.

    ``d`` steps of PCG64 take state s to ``M^d·s + (1 + … + M^(d-1))·inc``.
    """
    m, mask, low = (_MULT_HI << 64) | _MULT_LO, (1 << 128) - 1, (1 << 64) - 1
    power, total = np.zeros((n, 2), np.uint64), np.zeros((n, 2), np.uint64)
    a, s = 1, 0
    for d in range(n):
        power[d] = (a & low, a >> 64)
        total[d] = (s & low, s >> 64)
        s, a = (s + a) & mask, (a * m) & mask
    return power, total


#: The jumps tabled: a longer stretch is jumped in pieces (the draws' stretches are
#: within a block of a week, ~1,500 persons wide).
_SPAN = 2048
_POWER, _TOTAL = _jump_tables(_SPAN)


@intrinsic
def _step(typingctx, lo, hi, inc_lo, inc_hi):
    """One step of PCG64, as numpy's ``pcg64_random_r``: (new lo, new hi, output).

    state × multiplier + increment (mod 2^128), then the XSL-RR output of the new state.
    The state stays in registers, not memory, between steps.
    """
    u64 = types.uint64
    sig = types.UniTuple(u64, 3)(u64, u64, u64, u64)

    def codegen(context, builder, signature, args):
        s = _wide(builder, args[0], args[1])
        inc = _wide(builder, args[2], args[3])
        s = builder.add(builder.mul(s, ir.Constant(_I128, (_MULT_HI << 64) | _MULT_LO)), inc)
        lo = builder.trunc(s, _I64)
        hi = builder.trunc(builder.lshr(s, ir.Constant(_I128, 64)), _I64)
        x = builder.xor(hi, lo)
        rot = builder.lshr(hi, ir.Constant(_I64, 58))
        back = builder.and_(builder.sub(ir.Constant(_I64, 0), rot), ir.Constant(_I64, 63))
        out = builder.or_(builder.lshr(x, rot), builder.shl(x, back))
        return context.make_tuple(builder, signature.return_type, [lo, hi, out])

    return sig, codegen


@intrinsic
def _jump(typingctx, lo, hi, inc_lo, inc_hi, p_lo, p_hi, t_lo, t_hi):
    """The state ``d`` steps on: power × state + total × increment (mod 2^128)."""
    u64 = types.uint64
    sig = types.UniTuple(u64, 2)(u64, u64, u64, u64, u64, u64, u64, u64)

    def codegen(context, builder, signature, args):
        s, inc = _wide(builder, args[0], args[1]), _wide(builder, args[2], args[3])
        power, total = _wide(builder, args[4], args[5]), _wide(builder, args[6], args[7])
        s = builder.add(builder.mul(power, s), builder.mul(total, inc))
        lo = builder.trunc(s, _I64)
        hi = builder.trunc(builder.lshr(s, ir.Constant(_I128, 64)), _I64)
        return context.make_tuple(builder, signature.return_type, [lo, hi])

    return sig, codegen


def uniforms(g, st, k, n, cols, full):
    """``g.random((k, n))`` where it is read: columns ``cols`` (ascending), or all if ``full``.

    Compiled (the engine's draws): the other columns hold whatever the memory held, and
    the generator moves on by ``k × n`` values as ``g.random((k, n))`` would. In Python
    (the plain-numpy twin of the week's draws, ``engine.draw_week_numpy``): the whole
    block, by ``g.random``. ``st``: ``g``'s :func:`state_view` (or :data:`NO_STATE`).
    """
    return g.random((k, n))


def _pass(lo, hi, inc_lo, inc_hi, d):
    pass  # pragma: no cover - compiled only, see _pass_compiled


@overload(_pass, jit_options={"nogil": True})
def _pass_compiled(lo, hi, inc_lo, inc_hi, d):
    """The state after ``d`` values passed over: a step for one, else jumps."""
    def impl(lo, hi, inc_lo, inc_hi, d):
        if d == 1:
            lo, hi, _ = _step(lo, hi, inc_lo, inc_hi)
            return lo, hi
        while d >= _SPAN:
            lo, hi = _jump(lo, hi, inc_lo, inc_hi, _POWER[_SPAN - 1, 0], _POWER[_SPAN - 1, 1],
                           _TOTAL[_SPAN - 1, 0], _TOTAL[_SPAN - 1, 1])
            d -= _SPAN - 1
        if d > 0:
            lo, hi = _jump(lo, hi, inc_lo, inc_hi, _POWER[d, 0], _POWER[d, 1],
                           _TOTAL[d, 0], _TOTAL[d, 1])
        return lo, hi

    return impl


@overload(uniforms, jit_options={"nogil": True})
def _uniforms(g, st, k, n, cols, full):
    def impl(g, st, k, n, cols, full):
        if st.shape[0] == 0:
            return g.random((k, n))
        out = np.empty((k, n))
        flat = out.reshape(k * n)
        scale = 1.0 / 9007199254740992.0  # numpy's next_double: the top 53 bits
        eleven = np.uint64(11)
        lo, hi, inc_lo, inc_hi = st[0], st[1], st[2], st[3]
        if full:
            for i in range(k * n):
                lo, hi, x = _step(lo, hi, inc_lo, inc_hi)
                flat[i] = (x >> eleven) * scale
        else:
            pending = 0  # values to pass over before the next one drawn
            for r in range(k):
                base, at = r * n, 0
                for j in range(cols.shape[0]):
                    c = cols[j]
                    pending += c - at
                    if pending:
                        lo, hi = _pass(lo, hi, inc_lo, inc_hi, pending)
                        pending = 0
                    lo, hi, x = _step(lo, hi, inc_lo, inc_hi)
                    flat[base + c] = (x >> eleven) * scale
                    at = c + 1
                pending += n - at
            if pending:
                lo, hi = _pass(lo, hi, inc_lo, inc_hi, pending)
        st[0], st[1] = lo, hi
        return out

    return impl
