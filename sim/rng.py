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
for sequential counters. Keys come from numpy's SeedSequence, one per stream name. The hash itself
is :func:`sim.kernels.hash_uniform` (numpy), with a compiled twin that gives the same bits.
"""

from __future__ import annotations

import zlib

import numpy as np
from scipy.special import ndtri

from . import kernels


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
        out = kernels.uniform(ids, tick, self.key(name), sub)
        return out if out.ndim else out[()]

    def normal(self, name: str, tick: int, ids: np.ndarray, sub: np.ndarray | int = 0) -> np.ndarray:
        """Standard normal draws by inversion of :meth:`uniform` (same indexing)."""
        return normal_of(self.uniform(name, tick, ids, sub))


def normal_of(u: np.ndarray) -> np.ndarray:
    """Standard normal draws by inversion of uniform [0, 1) draws ``u`` (of :meth:`Streams.uniform`)."""
    return ndtri(np.minimum(np.maximum(u, 1e-300), 1 - 2**-53))  # np.clip, without its Python wrapper
