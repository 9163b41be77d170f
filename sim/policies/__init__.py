"""Policies a scenario can attach to a model (see :mod:`sim.policies.base` and docs/policies.md)."""

from .agency import AgencyCap, DfeAgencyRules, NoPoaching
from .base import PayUplift, Policy
from .incentives import GoldenHello, MarketSupplement, RetentionPayment
from .pay import AdaptivePay, NationalPayScale, PayHarmonisation
from .registry import POLICY_TYPES, policy_fields, policy_from_dict
from .supply import OfstedJudgement, OverseasRecruitment
from .workload import CaseloadCap, DemandShock

__all__ = ["AdaptivePay", "AgencyCap", "CaseloadCap", "DemandShock", "DfeAgencyRules", "GoldenHello",
           "MarketSupplement", "NationalPayScale", "NoPoaching", "OfstedJudgement", "OverseasRecruitment",
           "PayHarmonisation", "PayUplift", "Policy", "POLICY_TYPES", "RetentionPayment", "policy_fields",
           "policy_from_dict"]
