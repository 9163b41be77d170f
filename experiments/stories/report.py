"""The news stories as experiments: one page per story, with its claim, the historical check, the
counterfactual and what the model cannot say.

    python experiments/stories/report.py [--out results/stories] [--draws 20] [--replicates 40] [--only bcp]

For each story (experiments/stories/README.md writes its claims down):

* **Historical check** (:func:`sim.history.historical_check`): start from the census before the
  events, replay the judgements Ofsted really published, and put each following census year of the
  council and its neighbours beside the model's 50% and 90% predictive intervals (posterior draws x
  seeds x each council's forecast error).
* **Counterfactual**: the policy the council chose against its baseline (`sim compare`, each pair's
  parameters drawn from the posterior), in the comparison's own sentences.
* **Falsification tests**: the tests (tests/test_story_mechanisms.py, tests/test_stories.py) in which
  the story's fact holds with its mechanism and fails with it switched off.
* **Sensitivity** (where an answer turns on a weight the census cannot pin): the answer at several
  values of that weight.
* **What the model cannot say**: written per story below.

The pages, figures and tables are written into one folder, whole or not at all; an index links them.
Runs take a few minutes on 2 cores with the defaults.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "experiments" / "scenarios"
sys.path.insert(0, str(ROOT))

from sim.compare import compare  # noqa: E402
from sim.history import historical_check  # noqa: E402

LABELS = {"turnover_pct": "turnover %", "agency_rate_pct": "agency rate %", "vacancy_rate_pct": "vacancy rate %",
          "caseload": "caseload", "perm_fte": "FTE in post"}


@dataclass(frozen=True)
class Story:
    key: str
    title: str
    claim: str
    region: str
    focus: str
    base_year: int
    years: int
    baseline: str
    scenario: str
    cannot_say: str
    tests: str = ""
    sensitivity: tuple[str, tuple[float, ...], str, str] | None = None  # (parameter, values, measure, why)


STORIES = [
    Story("bexley", "Bexley: poached after an Outstanding judgement",
          "Neighbours paying more poach Bexley's staff after its Outstanding judgement (published August "
          "2018); about 40 leavers a year; less agency use saved £340k (report 000).",
          "bexley_cluster", "Bexley", 2017, 2,
          "bexley_baseline.toml", "bexley_pays_more.toml",
          "The census does not record where leavers go, so the poaching itself (leavers to named "
          "neighbours) cannot be checked; nor can 'newly qualified workers leave after two years' (no "
          "leavers by experience by council). The size of a pay rise's pull on recruits rests on "
          "hire_pay_weight, which no census moment pins: it is set by Manning's rule (recruits won equal "
          "leavers kept), not measured.",
          tests="`test_bexley_loses_staff_to_neighbours_because_they_pay_more` (losses to other councils rise "
                "when the neighbours pay more; not with b_pay = 0); `test_bexley_pays_more_keeps_more_of_its_staff_"
                "and_spends_less_on_agency` (no neighbour's turnover moves more than 1.5 points); "
                "`test_bexley_early_career_losses_come_from_the_early_career_assumption` (the two-year claim is "
                "the model's assumption: it fails with the multiplier at 1).",
          sensitivity=("b_ofsted", (0.0, 0.3, 0.8, 1.48, 1.63), "net_poaching",
                       "How many staff Bexley gains from other councils on net (gains less losses) turns on how "
                       "much workers value its Outstanding grade (b_ofsted), which the census cannot pin: its event "
                       "study puts it at 0.30 (se 0.68, 95% interval 0 to 1.63: "
                       "experiments/validation/judgement_effects.py); the calibrated point at 1.48. At every value "
                       "the census allows the model has Bexley gaining on net, against the story: its many open "
                       "posts draw movers as fast as its better-paying neighbours take its staff.")),
    Story("kent", "Kent: golden hellos and an agency target missed",
          "Kent misses its target of at most 10% temporary staff despite £2,000 golden hellos and "
          "£3,000 caseload bonuses (report 001, from before the census years).",
          "kent_cluster", "Kent", 2021, 3,
          "kent_baseline.toml", "kent_recruitment.toml",
          "The report predates the census; the check asks only whether Kent stays above 10% agency "
          "in 2022-2024, with its Outstanding judgement of July 2022 replayed. The golden hello is valued "
          "as pay (half of it a year for two years, assumption); its pull on recruits rests on "
          "hire_pay_weight, set by Manning's rule, not measured.",
          tests="`test_kent_golden_hellos_draw_more_starters_only_through_their_pull_on_recruits` (not with the "
                "hire_pay_weight and b_pay at 0); `test_kent_package_draws_starters_but_misses_the_agency_target` "
                "(no agency cap: the 10% target is the model's to reach or miss)."),
    Story("bromley", "Bromley: referrals doubling, a retention bonus, caseload caps",
          "Referrals doubled; covered with locums; a £1,500 retention bonus, a £2,000 supplement, ten "
          "more posts and caseload caps (report 002, about 2017).",
          "bromley_cluster", "Bromley", 2017, 2,
          "bromley_referrals.toml", "bromley_response.toml",
          "Bromley's 2017 census figures are extreme (47.5% agency, 56.6% vacancies on 90.6 FTE in post) "
          "and its 2018 turnover (1.9%) looks like a recording break, so the council's own history says "
          "little; the response's parts (bonus, supplement, posts, caps, US recruitment) cannot be told "
          "apart in the census.",
          tests="`test_doubling_referrals_overload_bromley_and_raise_its_turnover` (not with the overload "
                "weights, the caseload in the choice and the pressure in inspections at 0); `test_bromley_referrals_push_caseload_and_locums_up_"
                "and_the_response_pushes_back`."),
    Story("bcp", "Bournemouth, Christchurch and Poole: turnover twice the neighbours'",
          "BCP's turnover is 36% against 13-17% in its neighbours and 15% nationally (census 2021); "
          "judged Inadequate (published February 2022); its pay structure keeps it from competing "
          "(report 003).",
          "bcp_cluster", "Bournemouth, Christchurch and Poole", 2020, 2,
          "bcp_inadequate.toml", "bcp_pay_harmonised.toml",
          "Nothing in BCP's history to 2020 (turnover 10-16%) foretold the 36% of 2021: the model, like "
          "any forecast from the council's own record, cannot see such a break coming. BCP's pay scales "
          "are not in the data (the scenario's figures are assumptions).",
          tests="`test_an_inadequate_judgement_brings_agency_staff_and_funded_posts` (from the 2021 census with the "
                "February 2022 judgement; not with the judgement's effects and the grade's pull at 0); "
                "`test_bcp_keeps_its_own_churn_and_its_judgement_brings_agency_staff` (not with every council's "
                "identity erased); `test_bcp_pay_harmonisation_cuts_turnover`."),
    Story("bradford", "Bradford: a January allowance against neighbours who pay more",
          "Neighbours judged Inadequate invested and pay more; Bradford's turnover rose; a £2,400 "
          "allowance each January (report 004, about 2018).",
          "bradford_cluster", "Bradford", 2018, 2,
          "bradford_no_allowance.toml", "bradford_neighbours_invest.toml",
          "Councils' pay is not in the census (the model's pay is by region, with the scenario's "
          "assumptions on top), so 'neighbours pay more' is an input, not a finding; the allowance's "
          "January timing acts through the retention forfeit, whose horizon is an assumption.",
          tests="`test_bradford_drain_to_neighbours_who_pay_more_shrinks_under_a_national_pay_scale` (not with "
                "b_pay = 0); `test_bradford_allowance_holds_staff_before_january_more_than_after` (not with the "
                "forfeit horizon at one month). The counterfactual here is the allowance Bradford chose; the national "
                "pay scale of MODEL.md is `sim compare bradford_neighbours_invest.toml bradford_national_pay.toml`."),
    Story("dfe", "The DfE agency rules (England)",
          "Statutory guidance restricts agency social workers from October 2024: three years' experience "
          "before a placement, no placement within three months of leaving a permanent post in the region, "
          "regional price caps; placements that existed may continue until October 2025.",
          "england", "England", 2023, 1,
          "baseline", "england_dfe_agency_rules.toml",
          "The census ends at 30 September 2024, before the rules began, so nothing the rules did can be "
          "checked yet; the historical check asks only whether the model, without the rules, foresaw the "
          "fall in agency use England recorded in 2024 (17.9% to 16.1%). The price cap in the model lowers "
          "what councils pay for new assignments, not how many agency workers there are (agency supply does "
          "not respond to its price: an assumption), so its saving is arithmetic. Few agency workers in the "
          "model lack three years' experience (none at the census, by assumption; 1-3% after a few years of "
          "the model's own dynamics), so the transition for existing placements changes almost nothing.",
          tests="`test_dfe_rules_keep_staff_in_permanent_posts_and_cut_agency_use_beyond_the_price_cap` (with the "
                "experience rule, the cooling-off period and the transition off, agency and permanent FTE do not "
                "move); `test_dfe_rules_end_legacy_placements_of_the_inexperienced_on_time` (tests/test_economics.py)."),
]


def fit_figure(check, story: Story, path: Path) -> None:
    """The focus council's census against the model's 50% and 90% intervals, year by year."""
    code = check.table[check.table.council == story.focus].code.iloc[0]
    measures = ["turnover_pct", "agency_rate_pct", "vacancy_rate_pct"]
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.2))
    for ax, measure in zip(axes, measures, strict=True):
        r = check.rows(code, measure)
        ax.fill_between(r.index, r.q05, r.q95, color="tab:blue", alpha=0.2, label="90% interval")
        ax.fill_between(r.index, r.q25, r.q75, color="tab:blue", alpha=0.35, label="50% interval")
        ax.plot(r.index, r["median"], color="tab:blue", label="model median")
        ax.plot(r.index, r.census, "o", color="black", label="census")
        ax.set_title(LABELS[measure])
        ax.set_xticks(list(r.index))
    axes[0].legend(fontsize=7)
    fig.suptitle(f"{story.focus}: from the {story.base_year} census, recorded judgements replayed")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def fit_table(check, story: Story) -> str:
    t = check.table[check.table.measure.isin(["turnover_pct", "agency_rate_pct", "vacancy_rate_pct"])].copy()
    if story.region == "england":  # the national figures; each council's are in the CSV
        t = t[t.council == story.focus]
    t["focus"] = t.council == story.focus
    t = t.sort_values(["focus", "council", "measure", "year"], ascending=[False, True, True, True])
    lines = ["| council | year | measure | census | model median | 50% interval | 90% interval | inside 90% |",
             "|---|---:|---|---:|---:|---|---|---|"]
    for r in t.itertuples():
        inside = "–" if pd.isna(r.inside90) else ("yes" if r.inside90 else "**no**")
        census = "–" if pd.isna(r.census) else f"{r.census:.1f}"
        lines.append(f"| {r.council} | {r.year} | {LABELS[r.measure]} | {census} | {r.median:.1f} | "
                     f"{r.q25:.1f}-{r.q75:.1f} | {r.q05:.1f}-{r.q95:.1f} | {inside} |")
    return "\n".join(lines)


def story_page(story: Story, out: Path, draws: int, replicates: int, workers: int | None) -> tuple[str, dict]:
    check = historical_check(story.region, story.base_year, story.years, draws=draws, workers=workers)
    check.table.to_csv(out / f"{story.key}_history.csv", index=False)
    fit_figure(check, story, out / f"{story.key}_history.png")
    focus = check.table[(check.table.council == story.focus) & check.table.inside90.notna()]
    every = check.table[check.table.inside90.notna() & check.table.measure.isin(
        ["turnover_pct", "agency_rate_pct", "vacancy_rate_pct"])]
    baseline = story.baseline if story.baseline == "baseline" else SCENARIOS / story.baseline
    c = compare(baseline, SCENARIOS / story.scenario, replicates=replicates, workers=workers)
    text = c.text() if story.region == "england" else c.text(story.focus)
    counterfactual = "\n\n".join(text.split("\n\n")[:2])  # the header and the focus council (or region)
    summary = {"story": story.title, "focus inside 90%": f"{int(focus.inside90.sum())} of {len(focus)}",
               "region inside 90%": f"{100 * every.inside90.mean():.0f}%",
               "region inside 50%": f"{100 * every.inside50.mean():.0f}%"}
    page = f"""# {story.title}

**The claim.** {story.claim}

## Historical check

From the {story.base_year} census of `{story.region}`, {story.years} year{"s" if story.years > 1 else ""} with the judgements Ofsted
published replayed at their dates; {check.members} runs (posterior draws x seeds x each council's
forecast error). {story.focus}: {summary['focus inside 90%']} census figures inside the 90% interval;
across the region's councils (turnover, agency and vacancy rates) {summary['region inside 90%']} inside
the 90% interval and {summary['region inside 50%']} inside the 50% interval.

![{story.focus}]({story.key}_history.png)

{fit_table(check, story)}

## The counterfactual

`sim compare {story.baseline} {story.scenario}`, {replicates} pairs, each pair's parameters drawn from
the posterior:

```
{counterfactual}
```

## Falsification tests

{story.tests}
{sensitivity_section(story, workers)}
## What the model cannot say

{story.cannot_say}
"""
    return page, summary


def sensitivity_section(story: Story, workers: int | None, replicates: int = 12) -> str:
    """The baseline's answer for the focus council at each value of a weight the census cannot pin."""
    if story.sensitivity is None:
        return ""
    from dataclasses import replace

    from sim.scenario import Scenario

    name, values, measure, why = story.sensitivity
    base = Scenario.from_toml(SCENARIOS / story.baseline)
    rows = ["| " + name + " | " + measure.replace("_", " ") + " (a year) | 95% interval |", "|---:|---:|---|"]
    for v in values:
        s = replace(base, params={**base.params, name: v})
        reps = compare(s, s, replicates=replicates, workers=workers, point=True).replicates
        x = reps[(reps.council == story.focus) & (reps.measure == measure)].baseline.to_numpy(float)
        half = 2.201 * x.std(ddof=1) / len(x) ** 0.5  # t(11), 97.5%
        rows.append(f"| {v:g} | {x.mean():+.1f} | {x.mean() - half:+.1f} to {x.mean() + half:+.1f} |")
    return (f"\n## Sensitivity\n\n{why} `{story.baseline}` at the calibrated point with {name} set, {replicates} "
            f"seeds each:\n\n" + "\n".join(rows) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="results/stories")
    ap.add_argument("--draws", type=int, default=20, help="posterior draws per historical check (x 2 seeds)")
    ap.add_argument("--replicates", type=int, default=40, help="pairs per counterfactual")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--only", choices=[s.key for s in STORIES], action="append", help="just these stories")
    ap.add_argument("--force", action="store_true", help="replace the output folder if it holds results")
    args = ap.parse_args(argv)
    from sim.atomic import ResultsFolder
    from sim.errors import SimInputError

    try:
        folder = ResultsFolder(args.out, force=args.force, what="experiments/stories/report.py")
    except SimInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    chosen = [s for s in STORIES if not args.only or s.key in args.only]
    with folder as tmp:
        rows = []
        for story in chosen:
            print(f"{story.title} ...", flush=True)
            page, summary = story_page(story, tmp, args.draws, args.replicates, args.workers)
            (tmp / f"{story.key}.md").write_text(page, encoding="utf-8")
            rows.append({**summary, "page": f"[{story.key}.md]({story.key}.md)"})
        index = pd.DataFrame(rows)
        lines = ["# The news stories: historical checks and counterfactuals", "",
                 "| " + " | ".join(index.columns) + " |", "|" + "---|" * len(index.columns)]
        lines += ["| " + " | ".join(str(v) for v in r) + " |" for r in index.itertuples(index=False)]
        (tmp / "index.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {folder.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
