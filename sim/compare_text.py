"""A comparison in plain sentences: "Bexley loses 9 fewer social workers a year to other councils (5 to 13)"."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from .compare import Comparison

NEIGHBOUR_MEASURES = ("losses_to_councils", "turnover_pct", "vacancy_rate_pct", "agency_fte", "caseload",
                      "incentive_spend_gbp", "agency_spend_gbp", "total_cost_gbp")


def amount(x: float, measure: str) -> str:
    """A magnitude as people say it: pounds in k or m, heads and FTE to whole numbers (one decimal if small)."""
    from .compare import MONEY

    x = abs(x)
    if measure in MONEY or measure.endswith("_gbp"):
        return f"£{x / 1e6:.2f}m" if x >= 1e6 else f"£{x / 1e3:.0f}k" if x >= 1e3 else f"£{x:.0f}"
    return f"{x:.1f}" if x < 10 else f"{x:.0f}"


def share_tag(row: pd.Series) -> str:
    """Where an interval's width comes from: " [parameters 70%, chance 30%]" (shares of its variance)."""
    share = row.get("param_share", float("nan"))
    if share is None or not math.isfinite(share):
        return ""
    return f" [parameters {100 * share:.0f}%, chance {100 * (1 - share):.0f}%]"


def sentence(row: pd.Series, shares: bool = False) -> str:
    """One table row as a sentence with its 95% interval (and, with ``shares``, where its width comes from)."""
    text = _sentence(row)
    return text + share_tag(row) if shares and not text.endswith("unchanged") else text


def _sentence(row: pd.Series) -> str:
    from .compare import MEASURES

    m = row.measure
    if row["diff"] == 0 and row.lo == 0 and row.hi == 0:
        return f"{row.council}: {MEASURES[m][0] if m in MEASURES else m} unchanged"
    if m == "cost_per_worker_retained_gbp":
        if math.isnan(row["diff"]):
            return f"{row.council}: no clear drop in leavers, so no cost per worker retained"
        return (f"{row.council}: each leaver avoided costs {amount(row['diff'], m)} of extra workforce spending "
                f"({amount(row.lo, m)} to {amount(row.hi, m)})")
    if m.startswith("losses_to:"):
        template, words = f"loses {{amt}} {{dir}} social workers a year to {m.split(':', 1)[1]}", ("more", "fewer")
    else:
        template, words = MEASURES[m][2], MEASURES[m][3]
    d, lo, hi = row["diff"], row.lo, row.hi
    text = f"{row.council} " + template.format(amt=amount(d, m), dir=words[0] if d >= 0 else words[1])
    if math.isnan(lo):
        return text + " (one replicate: no interval)"
    if lo > 0 or hi < 0:
        a, b = sorted((abs(lo), abs(hi)))
        return text + f" ({amount(a, m)} to {amount(b, m)})"
    return (text + f" (interval {amount(lo, m) if lo >= 0 else '-' + amount(lo, m)} to "
            f"{amount(hi, m) if hi >= 0 else '-' + amount(hi, m)}: not clearly different from no change)")


def comparison_text(comp: Comparison, council: str | None = None) -> str:
    """The focus council's effects, each neighbour's, and the region's."""
    focus = council or comp.focus
    t = comp.table
    post = comp.posterior
    lines = [f"{comp.scenario.name} against {comp.baseline.name}: {comp.scenario.region}, {comp.window}, "
             f"{comp.n} paired runs (seeds 0-{comp.n - 1}); differences a year (or averages) with 95% intervals"]
    if post:
        share = comp.param_share(focus) if focus else comp.param_share()
        lines += [f"Each pair drew its parameters from the calibrated posterior ({comp.draws} draws, "
                  f"{post['seeds_per_draw']} seeds each; both runs of a pair share the draw and the seed), so the "
                  "intervals include what we do not know about the parameters as well as chance. In brackets, "
                  "the shares of each interval's variance from the parameters and from chance (more replicates "
                  "shrink only the chance part); "
                  f"{'for ' + focus if focus else 'overall'} the median is {100 * share:.0f}% from the parameters."
                  if math.isfinite(share) else "Each pair drew its parameters from the calibrated posterior (one seed "
                  "per draw: the intervals include the parameters and chance, which cannot be told apart)."]
    else:
        lines += ["One parameter set for every pair (--point, or no posterior installed): the intervals are chance "
                  "only (the noise between seeds), not the uncertainty of the parameters."]
    lines.append("")
    shares = post is not None

    def say(r: pd.Series) -> str:
        return sentence(r, shares)

    if focus:
        rows = t[t.council == focus]
        lines.append(f"{focus}:")
        lines += ["  " + say(r) for _, r in rows[~rows.measure.str.startswith("losses_to:")].iterrows()]
        dest = rows[rows.measure.str.startswith("losses_to:")].sort_values("baseline", ascending=False)
        lines += ["  " + say(r) for _, r in dest.iterrows()]
        lines.append("")
        for name in comp.neighbours:
            rows = t[t.council == name]
            if rows.empty:
                continue
            lines.append(f"{name} (neighbour):")
            to_focus = rows[rows.measure == f"losses_to:{focus}"]
            lines += ["  " + say(r) for _, r in to_focus.iterrows()]
            lines += ["  " + say(r) for _, r in rows[rows.measure.isin(NEIGHBOUR_MEASURES)].iterrows()]
            lines.append("")
    if focus and comp.neighbours:
        lines += destination_table(comp, focus) + [""]
    rows = t[t.council == "(region)"]
    lines.append("The whole region:")
    lines += ["  " + say(r).replace("(region) ", "the region ").replace("other councils", "councils outside it")
              for _, r in rows[rows.measure.isin(NEIGHBOUR_MEASURES + ("leavers",))].iterrows()]
    return "\n".join(lines)


def destination_table(comp: Comparison, focus: str) -> list[str]:
    """Where each neighbour's extra (or fewer) leavers go: to the focus council, to other councils,
    or out of council social work and into agency work (changes a year, scenario less baseline)."""
    t = comp.table

    def diff(name: str, measure: str) -> float:
        hit = t[(t.council == name) & (t.measure == measure)]
        return float(hit["diff"].iloc[0]) if len(hit) else 0.0

    lines = ["Where the neighbours' extra leavers go (a year, scenario less baseline; heads):",
             f"| neighbour | extra leavers | to {focus} | to other councils | to agency work or out of the "
             "profession |", "|---|---:|---:|---:|---:|"]
    total = [0.0, 0.0, 0.0, 0.0]
    for name in comp.neighbours:
        if t[t.council == name].empty:
            continue
        leavers, councils, to_focus = (diff(name, k) for k in ("leavers", "losses_to_councils",
                                                                f"losses_to:{focus}"))
        row = [leavers, to_focus, councils - to_focus, leavers - councils]
        total = [a + b for a, b in zip(total, row, strict=True)]
        lines.append(f"| {name} | " + " | ".join(f"{x:+.1f}" for x in row) + " |")
    lines.append("| all neighbours | " + " | ".join(f"{x:+.1f}" for x in total) + " |")
    return lines
