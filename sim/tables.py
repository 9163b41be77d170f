"""The form tables take in files: real dates and whole-number counts.

In memory (``model.results``) a month is ``date = "YYYY-MM"`` and every recorded quantity is a
float. In the Parquet files that ``sim run``, ``sim sweep`` and the Python API write,
:func:`file_form` turns ``date`` into a real date (the first day of the month, ``datetime64``; DuckDB
reads it as ``TIMESTAMP``, polars as ``Datetime``) and the columns that count people (heads) into
64-bit integers, so that ``WHERE date >= '2026-01-01'`` and ``sum(leavers_council)`` mean what they
say. FTE, money, rates and caseloads stay floats. Every file of a table has the same schema, whatever
its values, so a glob over a folder of parts opens as one table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .record import FLOWS

# Columns that count people (heads); their _fte twins stay floats.
COUNT_COLUMNS = ("perm_count", "agency_count", *FLOWS, "net_poaching", "movers")


def file_form(df: pd.DataFrame, counts: bool = True) -> pd.DataFrame:
    """A copy of a results table with ``date`` as datetime64 (month start) and counts as int64.

    Columns it does not know are left as they are; a table without them is returned unchanged.
    ``counts=False`` leaves the count columns alone (for tables of averages, such as a comparison's).
    """
    out = df.copy()
    if "date" in out.columns and not pd.api.types.is_datetime64_any_dtype(out["date"]):
        out["date"] = pd.to_datetime(out["date"].astype(str), format="%Y-%m")
    for name in COUNT_COLUMNS if counts else ():
        if name in out.columns and not pd.api.types.is_integer_dtype(out[name]):
            values = out[name].to_numpy(dtype=float)
            if np.isfinite(values).all():
                out[name] = np.rint(values).astype(np.int64)
    return out


__all__ = ["COUNT_COLUMNS", "file_form"]
