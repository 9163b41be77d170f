"""Default pay of a qualified children's social worker by region and base year.

No council-level pay data exist in the public sources; the model uses regional defaults and lets a
user override any council (``WorkforceModel(pay_gbp={"Bexley": 45000})`` or a pay policy).
"""

from __future__ import annotations

# Mean top-of-scale pay relative to England, 2017-18 (LGA/DfE pay survey as quoted in MODEL.md s8:
# England 35,444; London 39,855; South East 37,122; South West 32,486). The inner/outer London split
# and the regions the survey figures do not give are assumptions.
REGION_PAY_RATIO = {
    "London:inner": 1.15,  # assumption around the London figure (1.124)
    "London:outer": 1.10,  # assumption around the London figure (1.124)
    "South East": 37122 / 35444,
    "South West": 32486 / 35444,
    "East of England": 1.02,  # assumption (London fringe)
    "North East": 0.97,  # assumption: the rest of England slightly below the mean
    "North West": 0.97,
    "Yorkshire and The Humber": 0.97,
    "East Midlands": 0.97,
    "West Midlands": 0.97,
}


def national_pay(base_year: int, pay_2017_gbp: float, award_pct: float) -> float:
    """National mean pay in the census year ``base_year`` (awards compound from 2017)."""
    return pay_2017_gbp * (1 + award_pct / 100) ** (base_year - 2017)


def regional_ratio(region: str, london: str) -> float:
    key = f"London:{london or 'outer'}" if region == "London" else region
    return REGION_PAY_RATIO.get(key, 1.0)
