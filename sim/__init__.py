"""cswsim: an agent-based simulation of the labour market for children's social workers in England.

Quick start::

    from sim import WorkforceModel
    model = WorkforceModel(region="london", seed=1).run(years=5)
    model.results.council_months   # one row per council per month
    model.results.flows            # moves between councils, per month
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import SimInputError

if TYPE_CHECKING:
    from .model import WorkforceModel
    from .params import Params

__version__ = "0.1.0"
__all__ = ["Params", "SimInputError", "WorkforceModel", "__version__"]
_LAZY = {"WorkforceModel": ".model", "Params": ".params"}


def __getattr__(name: str) -> Any:
    """Import the model on first use, so that ``sim --help`` does not load numpy, pandas and Mesa."""
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
