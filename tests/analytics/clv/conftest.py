from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from relata.analytics.frames import RfmSummary, Transactions, summarise

DATA = Path(__file__).parent / "data"

#: The CDNOW calibration period ends after 39 weeks (FHL 2005).
CDNOW_CALIBRATION_END = np.datetime64("1997-09-30")


def load_cdnow_transactions() -> Transactions:
    with gzip.open(DATA / "cdnow_sample.txt.gz", "rt") as handle:
        raw = np.loadtxt(handle, dtype=np.float64)
    customer = raw[:, 1].astype(np.int64)
    dates = np.array(
        [f"{int(d) // 10000:04d}-{int(d) // 100 % 100:02d}-{int(d) % 100:02d}" for d in raw[:, 2]],
        dtype="datetime64[D]",
    )
    return Transactions(customer=customer, t=dates, amount=raw[:, 4])


@pytest.fixture(scope="session")
def cdnow_transactions() -> Transactions:
    return load_cdnow_transactions()


@pytest.fixture(scope="session")
def cdnow_weeks(cdnow_transactions: Transactions) -> RfmSummary:
    return summarise(cdnow_transactions, calibration_end=CDNOW_CALIBRATION_END, time_unit="week")
