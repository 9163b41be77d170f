"""Council identity: each council's own propensities, estimated from its census history.

The census shows that councils differ persistently: a council's turnover correlates with its own
turnover a year later (about 0.3-0.5) and several years later (about 0.2), far more than the
model's structural terms (caseload, grade, pay by region) explain. This module turns each council's
history, *up to the base year only*, into a forecast of where it sits relative to the nation next
year, for two rates:

* ``leave``: turnover (permanent leavers / FTE in post), which scales the council's hazards of
  leaving the profession and of searching for another post;
* ``hire``: starters / FTE in post, which scales the council's hiring from outside;
* ``agency``: the agency rate (agency FTE / (agency + in-post FTE)), toward whose forecast the
  council's agency cover drifts over the first year;
* ``caseload``: cases per case-holding FTE, toward whose forecast the council's open cases drift
  over the first year (councils far above their usual caseload manage demand back down: Bromley
  moved children in need below the social-care threshold to its early-help team).

Method (empirical Bayes as a best linear predictor). Let ``y[c, t] = log(rate[c, t] / national[t])``.
Its covariance across councils is modelled as

    Cov(y[c, t], y[c, t + k]) = tau2 + gamma2 * rho**k   (k >= 1)
    Var(y[c, t])              = tau2 + gamma2 + sigma2 + binomial noise of council c in year t,

a permanent council effect (tau2), a council effect that fades year to year (gamma2, rho) and a
transitory part (sigma2 plus the sampling noise of a rate measured on few people,
``(1 - r) / (r * n)`` in logs). The hyperparameters are fitted by least squares to the pooled lag
covariances of the census years before the forecast; each council's forecast of ``y[c, base + 1]``
is then the best linear predictor given its own years (missing years dropped), which pulls a council
with a short or noisy history toward the national pattern. The predictor is linear, so its total
weight ``W[c]`` on the council's own data is also returned: a structural prediction ``q[c]`` enters as
the prior mean through ``q[c] * (1 - W[c])`` (see :func:`sim.build.build_identity`).

The census moments that pin it are printed by ``python experiments/validation/council_identity.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from .data import CENSUS_YEARS, load_seeds

RATES = {"leave": ("leavers_fte", "inpost_fte"), "hire": ("starters_fte", "inpost_fte"),
         "agency": ("agency_fte", "workforce_fte"), "caseload": ("cases", "case_holders_fte")}
# the one-lag forecasts also cover the vacancy rate (vacant FTE / funded posts)
ONE_LAG_RATES = {**RATES, "vacancy": ("vacancy_fte", "establishment")}
COUNTED = {"leave", "hire", "agency"}  # rates of people (sampling noise as for a proportion)
MAX_LAG = 6
FLOOR_RATE = 0.01  # rates below 1% (a council with almost no leavers in a year) are read as 1% in logs


@dataclass(frozen=True)
class Covariance:
    """Fitted variance components of a log rate ratio (see the module docstring)."""

    tau2: float  # permanent council effect
    gamma2: float  # fading council effect
    rho: float  # its year-to-year persistence
    sigma2: float  # transitory variance beyond sampling noise

    def lag(self, k: np.ndarray) -> np.ndarray:
        return self.tau2 + self.gamma2 * self.rho ** np.abs(k)


def _panel(base_year: int, rate: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Log ratios to the national rate, and their sampling variances, (council x year) up to base_year."""
    seeds = load_seeds()
    tiny = set(seeds.councils.loc[seeds.councils.tiny == 1, "code"])
    num, den = RATES[rate]
    c = seeds.census[(seeds.census.year <= base_year) & ~seeds.census.code.isin(tiny)]
    c = c.assign(workforce_fte=c.inpost_fte + c.agency_fte)
    c = c[(c[den] > 0) & c[num].notna()]
    national = c.groupby("year")[num].sum() / c.groupby("year")[den].sum()
    r = np.maximum(c[num] / c[den], FLOOR_RATE)
    y = np.log(r) - np.log(c.year.map(national))
    noise = (1 - np.minimum(r, 0.9)) / (r * np.maximum(c[den], 1.0)) if rate in COUNTED else 0.0 * r
    frame = pd.DataFrame({"code": c.code, "year": c.year, "y": y, "noise": noise})
    return (frame.pivot(index="code", columns="year", values="y"),
            frame.pivot(index="code", columns="year", values="noise"))


def fit_covariance(y: pd.DataFrame, noise: pd.DataFrame) -> Covariance:
    """Fit ``tau2, gamma2, rho`` to the pooled lag covariances (lags 1..6) of the panel ``y``, and
    ``sigma2`` to its variance less the mean sampling noise."""
    years = list(y.columns)
    values = y.to_numpy(float)
    lags, covs, weights = [], [], []
    for k in range(1, min(MAX_LAG, len(years) - 1) + 1):
        a, b = values[:, :-k].ravel(), values[:, k:].ravel()
        ok = np.isfinite(a) & np.isfinite(b)
        if ok.sum() > 20:
            lags.append(k)
            covs.append(float(np.mean((a[ok] - a[ok].mean()) * (b[ok] - b[ok].mean()))))
            weights.append(ok.sum())
    var = float(np.nanvar(values))
    mean_noise = float(np.nanmean(noise.to_numpy(float)))
    if not lags:  # one census year only: no information on persistence
        return Covariance(0.0, 0.0, 0.0, max(var - mean_noise, 0.0))
    lags_a, covs_a, w = np.array(lags, float), np.array(covs), np.array(weights, float)
    best = None
    for rho in np.linspace(0.0, 0.95, 96):  # for each rho, tau2 and gamma2 by weighted least squares
        x = np.column_stack([np.ones_like(lags_a), rho**lags_a])
        coef, *_ = np.linalg.lstsq(x * np.sqrt(w)[:, None], covs_a * np.sqrt(w), rcond=None)
        coef = np.maximum(coef, 0.0)
        err = float(np.sum(w * (x @ coef - covs_a) ** 2))
        if best is None or err < best[0]:
            best = (err, coef, rho)
    _, (tau2, gamma2), rho = best
    sigma2 = max(var - tau2 - gamma2 - mean_noise, 0.0)
    return Covariance(float(tau2), float(gamma2), float(rho), sigma2)


def predict(y: pd.DataFrame, noise: pd.DataFrame, cov: Covariance, target_year: int) -> pd.DataFrame:
    """Best linear predictor of each council's ``y`` in ``target_year`` from its own years.

    Returns a frame indexed by code with ``y_hat`` (the forecast log ratio), ``weight`` (the
    predictor's total weight on the council's own data: 0 = pure national pattern), ``years`` and
    ``y_base`` (the council's log ratio in the year before ``target_year``, NaN if missing), and
    ``y_long``, ``weight_long``: the same for the council's permanent effect alone (what its forecast
    tends to as the fading part dies away, by ``rho`` a year).
    """
    last = target_year - 1
    years = np.array(y.columns, dtype=float)
    rows = []
    for code, row in y.iterrows():
        ok = row.notna().to_numpy()
        if not ok.any():
            rows.append((code, 0.0, 0.0, 0, np.nan, 0.0, 0.0, cov.tau2 + cov.gamma2 + cov.sigma2))
            continue
        t, v = years[ok], row.to_numpy(float)[ok]
        s = cov.lag(t[:, None] - t[None, :])
        s[np.diag_indices_from(s)] = cov.tau2 + cov.gamma2 + cov.sigma2 + noise.loc[code].to_numpy(float)[ok]
        k = cov.lag(target_year - t)
        beta = np.linalg.solve(s, k)
        beta_long = np.linalg.solve(s, np.full(t.size, cov.tau2))  # the permanent effect's predictor
        y_base = float(row[last]) if last in row.index and np.isfinite(row[last]) else np.nan
        # the forecast's error variance, less the sampling noise of the target year (the simulation draws that)
        error = max(cov.tau2 + cov.gamma2 + cov.sigma2 - float(k @ beta), 0.0)
        rows.append((code, float(beta @ v), float(beta.sum()), int(ok.sum()), y_base, float(beta_long @ v),
                     float(beta_long.sum()), error))
    return pd.DataFrame(rows, columns=["code", "y_hat", "weight", "years", "y_base", "y_long", "weight_long",
                                       "error_var"]).set_index("code")


@lru_cache(maxsize=16)
def council_effects(base_year: int) -> pd.DataFrame:
    """Each council's forecast log ratio to the national rate for the year after ``base_year``,
    from census years up to ``base_year`` only, for every rate of :data:`RATES`.

    Returns a frame indexed by council code with columns ``{rate}_y_hat``, ``{rate}_weight``,
    ``{rate}_years`` and ``{rate}_y_base``. Councils without data (none in post) get 0 and weight 0.
    """
    if base_year not in CENSUS_YEARS:
        raise ValueError(f"no census year {base_year}")
    parts = []
    for rate in RATES:
        y, noise = _panel(base_year, rate)
        cov = fit_covariance(y, noise)
        parts.append(predict(y, noise, cov, base_year + 1).add_prefix(f"{rate}_"))
    return pd.concat(parts, axis=1)


@lru_cache(maxsize=64)  # read at every model build; callers derive new series from it
def _rates(year: int, rate: str) -> tuple[pd.Series, float]:
    """Each council's rate in a census year (by code; tiny councils and empty denominators left out)
    and England's."""
    seeds = load_seeds()
    tiny = set(seeds.councils.loc[seeds.councils.tiny == 1, "code"])
    num, den = ONE_LAG_RATES[rate]
    c = seeds.census[(seeds.census.year == year) & ~seeds.census.code.isin(tiny)].set_index("code")
    c = c.assign(workforce_fte=c.inpost_fte + c.agency_fte, establishment=c.inpost_fte + c.vacancy_fte)
    c = c[(c[den] > 0) & c[num].notna()]
    return c[num] / c[den], float(c[num].sum() / c[den].sum())


@lru_cache(maxsize=32)
def reversion(base_year: int, rate: str) -> float:
    """Share of a council's gap to England's rate that closes in a year, by least squares on the
    pooled census pairs (t - 1, t), t <= ``base_year``: ``(r[t] - R[t]) - (r[t-1] - R[t-1]) =
    -lambda * (r[t-1] - R[t-1])``. 0 with one census year."""
    xs, ys = [], []
    for t in range(CENSUS_YEARS[0] + 1, base_year + 1):
        (a, na), (b, nb) = _rates(t - 1, rate), _rates(t, rate)
        j = pd.concat([a - na, b - nb], axis=1, keys=["a", "b"]).dropna()
        xs.append(j.a.to_numpy())
        ys.append((j.b - j.a).to_numpy())
    if not xs:
        return 0.0
    x, y = np.concatenate(xs), np.concatenate(ys)
    return float(np.clip(-(x @ y) / (x @ x), 0.0, 1.0))


@lru_cache(maxsize=32)
def one_lag_error(base_year: int, rate: str) -> tuple[float, float]:
    """The error variance of :func:`one_lag_forecast` as ``a + b / n`` (``n`` the rate's denominator,
    e.g. FTE; a council's rate is noisier the fewer people it counts): least squares of the squared
    misses on ``1 / n`` over the census pairs to ``base_year``. (0, 0) with one census year."""
    lam = reversion(base_year, rate)
    num, den = ONE_LAG_RATES[rate]
    seeds = load_seeds()
    misses, inverse = [], []
    for t in range(CENSUS_YEARS[0] + 1, base_year + 1):
        (a, na), (b, nb) = _rates(t - 1, rate), _rates(t, rate)
        c = seeds.census[seeds.census.year == t - 1].set_index("code")
        c = c.assign(workforce_fte=c.inpost_fte + c.agency_fte, establishment=c.inpost_fte + c.vacancy_fte)
        j = pd.concat([a, b, 1 / c[den].clip(lower=1.0)], axis=1, keys=["a", "b", "inv"]).dropna()
        misses.append((j.b - (j.a + lam * (na - j.a)) - (nb - na)).to_numpy() ** 2)
        inverse.append(j.inv.to_numpy())
    if not misses:
        return 0.0, 0.0
    y, x = np.concatenate(misses), np.concatenate(inverse)
    coef, *_ = np.linalg.lstsq(np.column_stack([np.ones_like(x), x]), y, rcond=None)
    return float(max(coef[0], 0.0)), float(max(coef[1], 0.0))


@lru_cache(maxsize=64)  # read at every model build; callers derive new series from it
def one_lag_forecast(base_year: int, rate: str) -> pd.Series:
    """Each council's rate next year from its rate in the base year alone: England's rate of the base
    year plus the council's gap to it, of which a share :func:`reversion` closes (by code). For the
    agency rate and caseload this does better than the best linear predictor on all the council's
    years: on the census forecasts from 2018-2022 (the years before the validation year), mean
    absolute error 4.50 against 4.73 points (agency rate) and 1.48 against 1.59 cases (caseload). The
    fitted covariances say why: the council effect is almost wholly a fading one (rho about 0.8, no
    permanent part once 2020 is in), so the last year carries nearly all there is to know."""
    r, national = _rates(base_year, rate)
    return r + reversion(base_year, rate) * (national - r)


@lru_cache(maxsize=64)  # read at every model build; callers derive new series from it
def vacancy_gap(year: int) -> pd.Series:
    """Each council's vacancy rate (vacant FTE / funded posts) less England's, in a census year (a
    share, by council code; councils without funded posts left out)."""
    seeds = load_seeds()
    tiny = set(seeds.councils.loc[seeds.councils.tiny == 1, "code"])
    c = seeds.census[(seeds.census.year == year) & ~seeds.census.code.isin(tiny)].set_index("code")
    posts = c.inpost_fte + c.vacancy_fte
    c, posts = c[posts > 0], posts[posts > 0]
    return c.vacancy_fte / posts - c.vacancy_fte.sum() / posts.sum()


@lru_cache(maxsize=16)
def hire_vacancy_response(base_year: int) -> float:
    """How much more a council hires next year than its own history predicts, per unit of its vacancy
    rate above England's (log starters rate per unit of vacancy gap): councils recruit harder where
    posts stand empty. Least squares of the best linear predictor's miss of the starters rate in year
    t + 1 on the vacancy gap in year t, pooled over t + 1 <= ``base_year`` (so a forecast from the base
    year uses no later census). On 2017-2024: 0.69 (se 0.12), between 0.25 and 1.10 in every single
    year. Leaving shows no such miss (0.03, se 0.13). 0 with fewer than three census years."""
    xs, ys = [], []
    for t in range(CENSUS_YEARS[0] + 1, base_year):
        effects = council_effects(t)
        y, _ = _panel(t + 1, "hire")
        gap = vacancy_gap(t)
        codes = effects.index.intersection(y.index).intersection(gap.index)
        miss = (y.loc[codes, t + 1] - effects.loc[codes, "hire_y_hat"]).dropna()
        xs.append(gap[miss.index].to_numpy())
        ys.append(miss.to_numpy())
    if not xs:
        return 0.0
    x, y = np.concatenate(xs), np.concatenate(ys)
    x, y = x - x.mean(), y - y.mean()
    return float(max(x @ y / (x @ x), 0.0))


@lru_cache(maxsize=32)
def national_forecast(base_year: int, rate: str) -> float:
    """England's rate expected for the year after ``base_year``: the mean of the census years up to
    ``base_year`` (the national series is short and has no persistence that would beat its mean:
    turnover 13.4-17.2% in 2017-2023, starters 15.3-19.3%). As a share a year, not per cent."""
    seeds = load_seeds()
    tiny = set(seeds.councils.loc[seeds.councils.tiny == 1, "code"])
    num, den = RATES[rate]
    c = seeds.census[(seeds.census.year <= base_year) & ~seeds.census.code.isin(tiny)]
    c = c.assign(workforce_fte=c.inpost_fte + c.agency_fte)
    by = c.groupby("year")
    return float((by[num].sum() / by[den].sum()).mean())


@lru_cache(maxsize=16)
def covariances(base_year: int) -> dict[str, Covariance]:
    """The fitted variance components of every rate, on census years up to ``base_year``."""
    return {rate: fit_covariance(*_panel(base_year, rate)) for rate in RATES}


@lru_cache(maxsize=16)
def agency_gap_cover_share(base_year: int) -> tuple[float, float, float]:
    """Shares of a change in a council's workload gap that it covers with agency staff within a year:
    ``(staffing, cases, posts)``, estimated together on census pairs (t - 1, t) with t <= ``base_year``
    (pooled councils with more than 20 FTE in post, least squares through the origin, all in FTE).

    The gap opens three ways: permanent FTE in post falls (a council that lost 10 FTE and covered them
    all would add 10 agency FTE); open cases rise (the FTE needed to hold them at last year's
    caseload); or the council funds more posts than before, its own measure of the work it must staff
    (for the same cases: England's caseload fell from 17.7 to 15.4 in 2017-2024 with open cases flat,
    while funded posts grew 2.4% a year and agency FTE 3%). On 2017-2024: staffing 0.47 (se 0.03),
    cases 0.05 (0.01), posts 0.36 (0.02); without the posts term the staffing share is 0.22 and agency
    cover would shrink as a growing workforce fills the posts England keeps adding. With one census
    year only, returns (0.5, 0.5, 0.5)."""
    seeds = load_seeds()
    tiny = set(seeds.councils.loc[seeds.councils.tiny == 1, "code"])
    c = seeds.census[~seeds.census.code.isin(tiny)].set_index(["code", "year"]).sort_index()
    xs, ys = [], []
    for t in range(CENSUS_YEARS[0] + 1, base_year + 1):
        a, b = c.xs(t - 1, level="year"), c.xs(t, level="year")
        j = a.add_suffix("_0").join(b, how="inner")
        holders_per_fte = j.case_holders_fte_0 / (j.inpost_fte_0 + j.agency_fte_0)
        staffing = j.inpost_fte_0 - j.inpost_fte
        cases = (j.cases - j.cases_0) / (holders_per_fte * j.caseload_fte_0)
        posts = (j.inpost_fte + j.vacancy_fte) - (j.inpost_fte_0 + j.vacancy_fte_0)
        d_agency = j.agency_fte - j.agency_fte_0
        ok = (np.isfinite(staffing) & np.isfinite(cases) & np.isfinite(posts) & np.isfinite(d_agency)
              & (j.inpost_fte_0 > 20))
        xs.append(np.column_stack([staffing[ok], cases[ok], posts[ok]]))
        ys.append(d_agency[ok].to_numpy())
    if not xs:
        return 0.5, 0.5, 0.5
    x, y = np.vstack(xs), np.concatenate(ys)
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    return tuple(float(np.clip(k, 0.0, 1.0)) for k in coef)  # type: ignore[return-value]


@dataclass(frozen=True)
class EstablishmentResponse:
    """How a council's funded posts (FTE in post + vacancies) respond within a year, beyond England's
    growth: ``follow``, the share of a change in its FTE in post (beyond England's) that its posts
    follow (councils fund posts where they recruit); ``cut``, the share of its excess vacancies (vacant
    FTE beyond England's vacancy rate) that it deletes; ``national_vacancy``, England's vacancy rate in
    the base year, the norm the excess is measured against."""

    follow: float
    cut: float
    national_vacancy: float


@lru_cache(maxsize=16)
def establishment_response(base_year: int) -> EstablishmentResponse:
    """:class:`EstablishmentResponse` by least squares through the origin on census pairs (t - 1, t),
    t <= ``base_year``, councils with more than 20 FTE in post:

        dE[c] = follow * dP[c] - cut * (V0[c] - v[t - 1] * E0[c]),

    with ``dE``, ``dP`` the changes in establishment and FTE in post less England's growth that year,
    ``V0``, ``E0`` the council's vacant FTE and establishment at t - 1 and ``v`` England's vacancy rate.
    On 2017-2023: follow 0.74 (se 0.04), cut 0.18 (se 0.02) a year. Councils with many vacancies also
    fill them faster, which the hiring matching function and the offers per vacancy carry. With one
    census year only, returns (0, 0, that year's rate)."""
    seeds = load_seeds()
    tiny = set(seeds.councils.loc[seeds.councils.tiny == 1, "code"])
    c = seeds.census[~seeds.census.code.isin(tiny)].assign(
        establishment=lambda d: d.inpost_fte + d.vacancy_fte).set_index(["code", "year"]).sort_index()
    base = c.xs(base_year, level="year")
    national = float(base.vacancy_fte.sum() / base.establishment.sum())
    xs, ys = [], []
    for t in range(CENSUS_YEARS[0] + 1, base_year + 1):
        a, b = c.xs(t - 1, level="year"), c.xs(t, level="year")
        j = a.add_suffix("_0").join(b, how="inner")
        j = j[(j.inpost_fte_0 > 20) & j.establishment.notna() & j.establishment_0.notna()]
        g_e = j.establishment.sum() / j.establishment_0.sum()
        g_p = j.inpost_fte.sum() / j.inpost_fte_0.sum()
        v = j.vacancy_fte_0.sum() / j.establishment_0.sum()
        excess = j.vacancy_fte_0 - v * j.establishment_0
        xs.append(np.column_stack([(j.inpost_fte - g_p * j.inpost_fte_0).to_numpy(), -excess.to_numpy()]))
        ys.append((j.establishment - g_e * j.establishment_0).to_numpy())
    if not xs:
        return EstablishmentResponse(0.0, 0.0, national)
    coef, *_ = np.linalg.lstsq(np.vstack(xs), np.concatenate(ys), rcond=None)
    return EstablishmentResponse(float(np.clip(coef[0], 0.0, 1.0)), float(np.clip(coef[1], 0.0, 1.0)), national)


@lru_cache(maxsize=16)
def establishment_growth(base_year: int, years: int = 3) -> float:
    """Mean annual growth (log) of England's funded posts (FTE in post + vacancies) over the
    ``years`` census years up to ``base_year`` (0 with one census year)."""
    seeds = load_seeds()
    nat = seeds.census.groupby("year")[["inpost_fte", "vacancy_fte"]].sum().sum(axis=1)
    first = max(CENSUS_YEARS[0], base_year - years)
    if first >= base_year:
        return 0.0
    return float(np.log(nat[base_year] / nat[first]) / (base_year - first))


__all__ = ["Covariance", "EstablishmentResponse", "RATES", "agency_gap_cover_share", "council_effects",
           "covariances", "establishment_growth", "establishment_response", "fit_covariance",
           "hire_vacancy_response", "national_forecast", "one_lag_error", "one_lag_forecast", "predict", "reversion",
           "vacancy_gap"]
