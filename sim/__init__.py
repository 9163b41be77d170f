"""cswsim: an agent-based simulation of the labour market for children's social workers in England.

Quick start::

    from sim import WorkforceModel
    model = WorkforceModel(region="london", seed=1).run(years=5)
    model.results.council_months   # one row per council per month
    model.results.flows            # moves between councils, per month
"""

from .errors import SimInputError
from .model import WorkforceModel
from .params import Params

__version__ = "0.1.0"
__all__ = ["Params", "SimInputError", "WorkforceModel", "__version__"]
