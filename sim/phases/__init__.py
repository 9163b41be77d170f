"""The phases of one month, in the order the model runs them (see ``WorkforceModel.PHASES``)."""

from .agency import agency_phase
from .councils import councils_phase, payments_phase
from .exits import exits_phase
from .moves import moves_phase
from .recruitment import recruitment_phase

__all__ = ["agency_phase", "councils_phase", "exits_phase", "moves_phase", "payments_phase",
           "recruitment_phase"]
