"""Named, counter-based random streams: common random numbers by construction.

Every random decision in the engine has a name ("exit", "search", "offer", ...). A draw is a pure
function of (seed, stream name, month, agent slot, sub-index): it does not depend on how many other
draws were made before it, nor on which other workers exist. Hence

* the same seed gives bit-identical results on any machine, in any process or executor;
* a policy that starts in month m cannot change months 0..m-1 (their draws are untouched);
* after m, a change in one council shifts only the draws of the workers it actually affects.

This is the counter-based idea of Salmon et al. (2011, "Parallel random numbers: as easy as 1, 2,
3"): hash a counter with a key instead of advancing a sequential state. The hash is the splitmix64
finaliser (Steele, Lea and Flood 2014), applied twice, which passes standard statistical batteries
for sequential counters. Keys come from numpy's SeedSequence, one per stream name.
"""

from __future__ import annotations

import zlib

import numpy as np
from scipy.special import ndtri

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31, _S11 = (np.uint64(s) for s in (30, 27, 31, 11))
_TICK_SHIFT, _ID_SHIFT = np.uint64(44), np.uint64(12)
_TO_UNIT = 2.0**-53



def _mix(z: np.ndarray, tmp: np.ndarray | None = None) -> np.ndarray:
    """splitmix64 finaliser on a uint64 array (wrapping arithmetic), in place; returns ``z``.

    ``tmp`` is an optional scratch array of the same shape (saves allocating one per shift)."""
    tmp = np.empty_like(z) if tmp is None else tmp
    for shift, mult in ((_S30, _M1), (_S27, _M2)):
        np.right_shift(z, shift, out=tmp)
        z ^= tmp
        z *= mult
    np.right_shift(z, _S31, out=tmp)
    z ^= tmp
    return z


class Streams:
    """A family of named random streams for one run.

    Args:
        seed: the run's seed (any non-negative integer).

    Example:
        >>> s = Streams(42)
        >>> u = s.uniform("exit", tick=3, ids=np.arange(5))
        >>> bool(((0 <= u) & (u < 1)).all())
        True
    """

    def __init__(self, seed: int) -> None:
        if int(seed) < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}")
        self.seed = int(seed)
        self._keys: dict[str, np.uint64] = {}

    def key(self, name: str) -> np.uint64:
        """The 64-bit key of stream ``name`` (derived from the seed and the name only)."""
        k = self._keys.get(name)
        if k is None:
            ss = np.random.SeedSequence([self.seed, zlib.crc32(name.encode())])
            k = np.uint64(ss.generate_state(1, dtype=np.uint64)[0])
            self._keys[name] = k
        return k

    def uniform(self, name: str, tick: int, ids: np.ndarray, sub: np.ndarray | int = 0) -> np.ndarray:
        """Uniform [0, 1) draws, one per entry of ``ids`` (broadcast against ``sub``).

        Args:
            name: the decision this draw serves.
            tick: the month (-1 for initialisation).
            ids: stable identifiers (worker slots, or council*K + vacancy index), < 2**32.
            sub: optional second index (< 4096), e.g. which option of a choice.
        """
        t = np.uint64(tick + 1)
        ids = np.asarray(ids, dtype=np.uint64)
        z = np.left_shift(ids, _ID_SHIFT, out=np.empty(ids.shape, dtype=np.uint64))  # worked on in place below
        if not (np.isscalar(sub) and sub == 0):
            z = np.asarray(z | np.asarray(sub, dtype=np.uint64))
        z |= t << _TICK_SHIFT
        z *= _GOLDEN
        tmp = np.empty_like(z)
        _mix(z, tmp)
        z ^= self.key(name)
        _mix(z, tmp)
        np.right_shift(z, _S11, out=tmp)
        # (z >> 11) * 2**-53 as float64, written over z's own memory (no third array)
        out = np.multiply(tmp, _TO_UNIT, out=z.view(np.float64))
        return out if out.ndim else out[()]

    def normal(self, name: str, tick: int, ids: np.ndarray, sub: np.ndarray | int = 0) -> np.ndarray:
        """Standard normal draws by inversion of :meth:`uniform` (same indexing)."""
        u = self.uniform(name, tick, ids, sub)
        return ndtri(np.clip(u, 1e-300, 1 - 2**-53))
