"""`relata clv fit|score`: runs on a file alone — these tests use no database."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

from relata.analytics.frames import Transactions

from .conftest import CDNOW_CALIBRATION_END, DATA

COLUMNS = ["--customer-col", "customer", "--date-col", "date", "--amount-col", "amount"]


@pytest.fixture(scope="module")
def cdnow_csv(tmp_path_factory: pytest.TempPathFactory, cdnow_transactions: Transactions) -> Path:
    path = tmp_path_factory.mktemp("clv") / "cdnow.csv"
    tx = cdnow_transactions
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer", "date", "amount"])
        for customer, day, amount in zip(tx.customer, tx.t, tx.amount, strict=True):
            writer.writerow([f"C{customer:04d}", str(day), f"{amount:.2f}"])
    return path


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("clv", *args, stdout=out)
    return out.getvalue()


def test_fit_prints_the_published_cdnow_parameters_as_json(
    cdnow_csv: Path, cdnow_transactions: Transactions
) -> None:
    # given: the CDNOW sample as a transactions CSV (fixture)
    later = int((cdnow_transactions.t > CDNOW_CALIBRATION_END).sum())

    # when
    output = run(
        "fit", str(cdnow_csv), *COLUMNS, "--calibration-end", "1997-09-30", "--time-unit", "week"
    )

    # then
    result = json.loads(output)
    assert result["customers"] == 2357
    assert result["time_unit"] == "week"
    assert result["excluded_after_calibration_end"] == later > 0
    bg, gg = result["bgnbd"], result["gamma_gamma"]
    assert (bg["r"], bg["alpha"], bg["a"], bg["b"]) == pytest.approx(
        (0.243, 4.414, 0.793, 2.426), abs=5e-4
    )
    assert bg["log_likelihood"] == pytest.approx(-9582.4, abs=0.05)
    assert (gg["p"], gg["q"], gg["v"]) == pytest.approx((6.25, 3.74, 15.44), abs=0.01)


def test_parameters_are_in_the_chosen_time_unit(cdnow_csv: Path) -> None:
    # when
    weeks = json.loads(run("fit", str(cdnow_csv), *COLUMNS, "--time-unit", "week"))
    days = json.loads(run("fit", str(cdnow_csv), *COLUMNS, "--time-unit", "day"))

    # then
    assert days["bgnbd"]["alpha"] == pytest.approx(7 * weeks["bgnbd"]["alpha"], rel=1e-5)
    assert days["bgnbd"]["r"] == pytest.approx(weeks["bgnbd"]["r"], rel=1e-5)
    assert days["gamma_gamma"]["p"] == pytest.approx(weeks["gamma_gamma"]["p"], rel=1e-9)


def test_table_format_is_readable(cdnow_csv: Path) -> None:
    # when
    output = run(
        "fit", str(cdnow_csv), *COLUMNS, "--calibration-end", "1997-09-30", "--format", "table"
    )

    # then
    assert "Customers                         2,357" in output
    assert "BG/NBD r                          0.24259" in output
    assert "BG/NBD note" not in output  # the CDNOW fit lies inside the bounds


def write_summary_as_transactions(path: Path, end: dt.date) -> None:
    """The RFM summary of ``bgnbd_unbounded_ab.npz`` (weeks of whole days) as a CSV whose
    summary at ``end`` is that summary again: the first purchase T before the end, x - 1
    repeat purchases on the days after it and the last one t_x after it."""
    data = np.load(DATA / "bgnbd_unbounded_ab.npz")
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer", "date", "amount"])
        for number, (x, t_x, big_t, m) in enumerate(
            zip(data["x"], data["t_x"], data["T"], data["m"], strict=True)
        ):
            first = end - dt.timedelta(days=round(big_t * 7))
            writer.writerow([number, first, "10.00"])
            repeats = [*range(1, int(x)), round(t_x * 7)] if x else []
            for offset in repeats:
                writer.writerow([number, first + dt.timedelta(days=offset), f"{m:.2f}"])


def test_table_format_shows_the_notes_of_the_bgnbd_fit(tmp_path: Path) -> None:
    # given transactions whose BG/NBD fit stops at the a + b bound (no spread in drop-out)
    path = tmp_path / "orders.csv"
    write_summary_as_transactions(path, dt.date(2024, 12, 31))

    # when
    output = run("fit", str(path), *COLUMNS, "--calibration-end", "2024-12-31", "--format", "table")

    # then the note the fit made is a row of the table, as it is a field of the JSON
    note = next(line for line in output.splitlines() if line.startswith("BG/NBD note"))
    assert "a + b stopped at its bound" in note and "no spread in drop-out" in note
    as_json = json.loads(run("fit", str(path), *COLUMNS, "--calibration-end", "2024-12-31"))
    assert note.split(maxsplit=2)[2].strip() == as_json["bgnbd"]["notes"][0]


def test_score_writes_one_row_per_customer(cdnow_csv: Path, tmp_path: Path) -> None:
    # given
    out = tmp_path / "scores.csv"

    # when
    output = run(
        "score",
        str(cdnow_csv),
        *COLUMNS,
        "--calibration-end",
        "1997-09-30",
        "--horizon",
        "52",
        "--discount-rate",
        "0.1",
        "--margin",
        "0.3",
        "--out",
        str(out),
    )

    # then
    summary = json.loads(output)["scores"]
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2357
    assert list(rows[0]) == [
        "customer_id",
        "x",
        "t_x",
        "T",
        "monetary_value",
        "p_alive",
        "expected_purchases",
        "expected_spend",
        "clv",
    ]
    first = next(r for r in rows if r["customer_id"] == "C0001")
    assert (int(first["x"]), float(first["t_x"]), float(first["T"])) == pytest.approx(
        (2, 30.43, 38.86), abs=0.005
    )
    clv = np.array([float(r["clv"]) for r in rows])
    assert np.all(np.isfinite(clv)) and np.all(clv >= 0)
    assert summary["total_clv"] == pytest.approx(clv.sum(), rel=1e-9)
    p_alive = np.array([float(r["p_alive"]) for r in rows])
    assert np.all((p_alive >= 0) & (p_alive <= 1))


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        ("customer,date,amount\n", [], "only a header"),
        ("customer,day,amount\na,2024-01-01,1\n", [], "column 'date' not found"),
        ("customer,date,amount\na,someday,1\n", [], r"row 1 \(line 2\): 'someday'"),
        ("customer,date,amount\na,2024-01-01,1\nb,2024-02-01,2\n", [], "every customer bought"),
        (
            "customer,date,amount\na,2024-01-01,1\n",
            ["--calibration-end", "2023-12-31"],
            "No transactions on or before the calibration end 2023-12-31",
        ),
        ("customer,date,amount\na,2024-01-01,1\n", ["--calibration-end", "31-12"], "YYYY-MM-DD"),
        (
            "customer,date,amount\na,2024-01-01,1\n",
            ["--delimiter", ";;"],
            "--delimiter: The delimiter must be one character, not “;;”",
        ),
    ],
)
def test_bad_input_gives_a_clear_error(
    tmp_path: Path, content: str, extra: list[str], message: str
) -> None:
    # given
    path = tmp_path / "orders.csv"
    path.write_text(content)

    # when / then
    with pytest.raises(CommandError, match=message):
        run("fit", str(path), *COLUMNS, *extra)


@pytest.mark.parametrize("horizon", ["0", "nan", "inf", "1e300"])
def test_score_refuses_a_horizon_out_of_range(
    cdnow_csv: Path, tmp_path: Path, horizon: str
) -> None:
    # when / then
    with pytest.raises(CommandError, match="horizon must be a positive number"):
        run("score", str(cdnow_csv), *COLUMNS, "--horizon", horizon, "--out", str(tmp_path / "s"))


@pytest.mark.parametrize(
    ("option", "value"), [("--calibration-end", "31-12"), ("--delimiter", "ab")]
)
def test_bad_option_on_the_command_line_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str
) -> None:
    # given
    path = tmp_path / "orders.csv"
    path.write_text("customer,date,amount\na,2024-01-01,1\n")

    # when
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["relata", "clv", "fit", str(path), *COLUMNS, option, value])

    # then: argparse's one-line message naming the option, no traceback
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert f"argument {option}: " in err
    assert value in err.split(f"argument {option}: ", 1)[1]
    assert "Traceback" not in err
