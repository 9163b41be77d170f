"""Policies by name, for scenario files and sweeps: ``{"kind": "pay_uplift", "councils": [...], ...}``."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..errors import SimInputError, unknown
from .agency import AgencyCap, DfeAgencyRules, NoPoaching
from .base import PayUplift, Policy
from .incentives import GoldenHello, MarketSupplement, RetentionPayment
from .pay import AdaptivePay, NationalPayScale, PayHarmonisation
from .supply import OfstedJudgement, OverseasRecruitment
from .workload import CaseloadCap, DemandShock

POLICY_TYPES: dict[str, type[Policy]] = {cls.kind: cls for cls in (
    PayUplift, MarketSupplement, GoldenHello, RetentionPayment, CaseloadCap, DemandShock, AgencyCap,
    OverseasRecruitment, OfstedJudgement, DfeAgencyRules, NoPoaching, NationalPayScale, PayHarmonisation,
    AdaptivePay,
)}


def policy_fields(kind: str) -> list[str]:
    """The fields a policy of this kind accepts (in a scenario file or a dict)."""
    return [f.name for f in dataclasses.fields(POLICY_TYPES[kind]) if f.init]


def policy_from_dict(spec: dict[str, Any], where: str = "policy") -> Policy:
    """Build a policy from a plain dict, checking its kind, fields and values."""
    if not isinstance(spec, dict):
        raise SimInputError(f"{where} = {spec!r}: allowed a policy table ({{'kind': ..., ...}})")
    spec = dict(spec)
    kind = spec.pop("kind", None)
    if kind is not None and not isinstance(kind, str):
        raise SimInputError(f"{where}: kind = {kind!r}: allowed one of {', '.join(sorted(POLICY_TYPES))}")
    if kind is None:
        raise SimInputError(f"{where}: missing 'kind' (one of {', '.join(sorted(POLICY_TYPES))})")
    if kind not in POLICY_TYPES:
        raise unknown("policy kind", str(kind), POLICY_TYPES, where=where)
    cls = POLICY_TYPES[kind]
    allowed = policy_fields(kind)
    bad = [k for k in spec if k not in allowed]
    if bad:
        raise SimInputError(f"{where} ({kind}): unknown field(s) {', '.join(map(repr, bad))}; "
                            f"allowed: {', '.join(allowed)}")
    try:
        return cls(**spec)
    except TypeError as exc:
        raise SimInputError(f"{where} ({kind}): {exc}") from None
    except SimInputError as exc:
        raise SimInputError(f"{where}: {exc}") from None
