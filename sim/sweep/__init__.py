"""Parameter sweeps of the simulation: specs, designs, executors, results, sensitivity.

Typical use::

    from sim.sweep import Sweep, read_results

    sweep = Sweep.from_toml("experiments/sweeps/behaviour_lhs.toml")
    sweep.run("results/sweeps/behaviour_lhs", executor="processes")
    df = read_results("results/sweeps/behaviour_lhs")
"""

from sim.sweep.design import Design, expand, replicate_seeds, run_call
from sim.sweep.executors import SweepRunError, execute_run, load_model
from sim.sweep.runner import Sweep, SweepReport, open_sweep
from sim.sweep.spec import (
    DESIGNS,
    ParameterSpec,
    SweepSpec,
    SweepSpecError,
    load_spec,
    parse_spec,
    validate_parameter_names,
)
from sim.sweep.store import (
    SweepStateError,
    read_council_months,
    read_manifest,
    read_results,
)

__all__ = [
    "DESIGNS",
    "Design",
    "ParameterSpec",
    "Sweep",
    "SweepReport",
    "SweepRunError",
    "SweepSpec",
    "SweepSpecError",
    "SweepStateError",
    "execute_run",
    "expand",
    "load_model",
    "load_spec",
    "open_sweep",
    "parse_spec",
    "read_council_months",
    "read_manifest",
    "read_results",
    "replicate_seeds",
    "run_call",
    "validate_parameter_names",
]
