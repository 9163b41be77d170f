"""Calibration to the DfE workforce census and out-of-sample validation.

* :mod:`.moments`: the census figures (moments) and the same figures from a run.
* :mod:`.objective`: the calibration spec, simulated moments of a parameter set, the weighted distance.
* :mod:`.optimiser`: the optuna search in parallel batches, and the objective's profiles.
* :mod:`.report`: the calibrated parameter file with provenance, a markdown report and plots.
* :mod:`.validate` and :mod:`.validation_report`: council-by-council validation against naive forecasts.
* :mod:`.cli`: ``sim calibrate`` and ``sim validate``.
"""
