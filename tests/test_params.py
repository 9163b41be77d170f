"""The strict parameter set: unknown names, bounds, TOML files — all problems reported at once."""

from __future__ import annotations

import pytest

from sim.errors import SimInputError
from sim.model import WorkforceModel
from sim.params import SPECS, Params


def test_every_parameter_is_documented_with_a_unit_and_source():
    for name, spec in SPECS.items():
        assert spec.lo <= spec.default <= spec.hi, name
        assert spec.doc and spec.source, name


def test_unknown_parameter_suggests_close_names():
    with pytest.raises(SimInputError, match=r"unknown parameter 'b_paay' \(did you mean b_pay"):
        Params({"b_paay": 3})


def test_all_problems_reported_together():
    with pytest.raises(SimInputError) as err:
        Params({"b_pay": -1, "search_rate_per_month": 2, "reach_hops": 1.5, "nonsense": 1})
    text = str(err.value)
    for part in ("b_pay = -1 is outside the allowed range 0 to 50", "search_rate_per_month = 2",
                 "reach_hops = 1.5 must be a whole number", "unknown parameter 'nonsense'"):
        assert part in text


def test_non_numbers_rejected():
    with pytest.raises(SimInputError, match="not a finite number"):
        Params({"b_pay": "high"})
    with pytest.raises(SimInputError, match="not a finite number"):
        Params({"b_pay": float("nan")})


def test_params_are_read_only_and_replace_validates():
    p = Params()
    with pytest.raises(AttributeError):
        p.b_pay = 3
    assert p.replace(b_pay=6).b_pay == 6
    with pytest.raises(SimInputError):
        p.replace(b_pay=600)


def test_toml_file_overrides_and_errors(tmp_path):
    good = tmp_path / "p.toml"
    good.write_text("b_pay = 5.5\n[params]\n")
    with pytest.raises(SimInputError, match="unexpected table"):
        Params.from_toml(good)
    good.write_text("[params]\nb_pay = 5.5\n")
    assert Params.from_toml(good).b_pay == 5.5
    bad = tmp_path / "bad.toml"
    bad.write_text("b_pay = = 3\n")
    with pytest.raises(SimInputError, match=r"bad.toml: not valid TOML"):
        Params.from_toml(bad)
    typo = tmp_path / "typo.toml"
    typo.write_text("serch_rate_per_month = 0.02\n")
    with pytest.raises(SimInputError, match=r"typo.toml: unknown parameter 'serch_rate_per_month'.*search_rate"):
        Params.from_toml(typo)
    with pytest.raises(SimInputError, match="not found"):
        Params.from_toml(tmp_path / "missing.toml")


def test_model_bad_inputs():
    with pytest.raises(SimInputError, match="unknown region 'londn'.*london"):
        WorkforceModel(region="londn")
    with pytest.raises(SimInputError, match="base year 2016 has no census data; allowed: 2017 to 2024"):
        WorkforceModel(base_year=2016)
    with pytest.raises(SimInputError, match="unknown council 'Bexly'.*Bexley"):
        WorkforceModel(region="bexley_cluster", pay_gbp={"Bexly": 40000})
    with pytest.raises(SimInputError, match=r"pay_gbp.Bexley = -5: outside the range; allowed .* 10,000"):
        WorkforceModel(region="bexley_cluster", pay_gbp={"Bexley": -5})
    with pytest.raises(SimInputError, match="seed 'abc' is not a whole number"):
        WorkforceModel(region="bexley_cluster", seed="abc")
    assert WorkforceModel(region="west_yorkshire", seed="12").seed == 12  # typed into a text box


def test_isolated_council_in_a_graph_is_rejected():
    import networkx as nx

    from sim.data import load_seeds
    from sim.regions import check_connected

    seeds = load_seeds()
    g = nx.Graph()
    g.add_nodes_from(["E09000004", "E09000006", "E08000032"])  # Bexley, Bromley, Bradford
    g.add_edge("E09000004", "E09000006")
    with pytest.raises(SimInputError, match="no neighbour in the graph: Bradford"):
        check_connected(g, seeds, where="test")


def test_every_named_region_builds():
    from sim.data import load_seeds
    from sim.regions import build_region, region_names

    seeds = load_seeds()
    names = region_names(seeds)
    assert {"england", "london", "south_east", "bexley_cluster", "kent_cluster", "bromley_cluster",
            "bcp_cluster", "bradford_cluster"} <= set(names)
    sizes = {n: len(build_region(seeds, n).members) for n in names}
    assert sizes["england"] == 151 and sizes["london"] == 32  # Kingston and Richmond are one unit
    bexley = build_region(seeds, "bexley_cluster")
    named = set(seeds.councils.set_index("code").loc[list(bexley.members), "name"])
    assert {"Bexley", "Greenwich", "Bromley", "Kent"} <= named
