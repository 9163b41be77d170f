"""Calibration to the DfE workforce census and out-of-sample validation.

* :mod:`.moments`: the census figures (moments) and the same figures from a run.
* :mod:`.objective`: the calibration spec, simulated moments of a parameter set, the weighted distance.
* :mod:`.screening`: Morris screening (SALib) of the free parameters on the standardised moments.
* :mod:`.abc`: the posterior by ABC-SMC (pyabc; multicore or Dask), with provenance.
* :mod:`.posterior_report`: the posterior's files, point parameter file, report and plots.
* :mod:`.league`: the forecast league table (one bank of prior simulations, a posterior per fold).
* :mod:`.optimiser`: the optuna search in parallel batches, and the objective's profiles (``--method optuna``).
* :mod:`.report`: the calibrated parameter file with provenance, a markdown report and plots.
* :mod:`.validate` and :mod:`.validation_report`: council-by-council validation against naive forecasts.
* :mod:`.cli`: ``sim calibrate`` and ``sim validate``.

The posterior itself (reading, drawing) is :mod:`sim.posterior`; ``sim forecast`` is :mod:`sim.forecast`.
"""
