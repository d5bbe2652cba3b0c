"""Benchmark: `relata clv fit` end to end against the `lifetimes` package on the same file.

Generates a transactions CSV (default 1,000,000 customers, ~2.2 million transactions over two
years, simulated from BG/NBD + Gamma-Gamma with a fixed seed) under benchmarks/out/, then
times, as separate processes from start to exit:

* ours:      relata clv fit FILE --time-unit day   (read → summary → BG/NBD + Gamma-Gamma)
* lifetimes: pandas.read_csv → summary_data_from_transaction_data(freq="D") →
             BetaGeoFitter().fit → GammaGammaFitter().fit   (inputs as float arrays)

and prints wall time, peak resident memory (/usr/bin/time -v, or getrusage), the speed-up
and the parameter differences in %. lifetimes runs in its own virtualenv,
benchmarks/.venv-lifetimes, created on first use with versions it still works with.

    .venv/bin/python benchmarks/clv_fit.py                    # the full comparison
    .venv/bin/python benchmarks/clv_fit.py --customers 100000 --ids text
    .venv/bin/python benchmarks/clv_fit.py --skip-lifetimes --repeat 3

Both runs get OPENBLAS_NUM_THREADS=1: on a busy two-core machine multi-threaded BLAS calls
on small vectors slow lifetimes' optimiser down badly, and this keeps the comparison about
the algorithms. Record results in docs/performance.md ("CLV fit").
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
RELATA = ROOT / ".venv" / "bin" / "relata"
LIFETIMES_VENV = ROOT / "benchmarks" / ".venv-lifetimes"
# lifetimes 0.11.3 (2020) predates NumPy 2, pandas 3 and SciPy 1.13: pin what it runs with.
LIFETIMES_REQUIREMENTS = [
    "lifetimes==0.11.3",
    "numpy==1.26.4",
    "pandas==2.2.3",
    "scipy==1.12.0",
    "autograd==1.9.1",
    "dill==0.4.1",
]
PARAMETERS = ("r", "alpha", "a", "b", "p", "q", "v")

LIFETIMES_RUN = """
import json, sys
import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import summary_data_from_transaction_data

path = sys.argv[1]
frame = pd.read_csv(path, dtype={"customer_id": str}, parse_dates=["date"])
summary = summary_data_from_transaction_data(
    frame, "customer_id", "date", monetary_value_col="amount", freq="D"
)
frequency = summary["frequency"].to_numpy(dtype=float)
recency = summary["recency"].to_numpy(dtype=float)
age = summary["T"].to_numpy(dtype=float)
monetary = summary["monetary_value"].to_numpy(dtype=float)
bgf = BetaGeoFitter(penalizer_coef=0.0).fit(frequency, recency, age)
repeat = frequency > 0
ggf = GammaGammaFitter(penalizer_coef=0.0).fit(frequency[repeat], monetary[repeat])
params = {**bgf.params_.to_dict(), **ggf.params_.to_dict()}
params = {k: float(v) for k, v in params.items()}
print(json.dumps({"customers": int(len(summary)), "params": params}))
"""


def generate(path: Path, customers: int, seed: int, ids: str) -> int:
    """Write the benchmark CSV; returns the number of transactions."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    from relata.analytics.clv.bgnbd import BgNbdParams
    from relata.analytics.clv.gamma_gamma import GammaGammaParams
    from relata.analytics.clv.simulate import simulate_transactions

    rng = np.random.default_rng(seed)
    customer, day, amount = simulate_transactions(
        BgNbdParams(r=0.4, alpha=70.0, a=0.8, b=2.5),  # in days
        GammaGammaParams(p=6.25, q=3.74, v=15.44),
        customers,
        days=730,
        rng=rng,
    )
    number = customer + 1_000_000  # 7-digit customer numbers
    id_column = (
        pa.array(number) if ids == "numeric" else pa.array(np.char.add("C", number.astype(str)))
    )
    dates = (np.datetime64("2023-01-01") + day).astype("datetime64[D]")
    table = pa.table({"customer_id": id_column, "date": pa.array(dates), "amount": amount})
    path.parent.mkdir(parents=True, exist_ok=True)
    pa_csv.write_csv(table, path, write_options=pa_csv.WriteOptions(quoting_style="none"))
    return int(customer.size)


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """Run a command; return (wall seconds, peak RSS in MB, CPU seconds, stdout)."""
    gnu_time = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    if gnu_time:
        command = [gnu_time, "-v", *command]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    wall = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{command[-1]} failed:\n{result.stderr[-3000:]}")
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    user = re.search(r"User time \(seconds\): ([\d.]+)", result.stderr)
    system = re.search(r"System time \(seconds\): ([\d.]+)", result.stderr)
    if match and user and system:
        peak = int(match.group(1)) / 1024
        cpu = float(user.group(1)) + float(system.group(1))
    else:  # pragma: no cover - without GNU time
        import resource

        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
    return wall, peak, cpu, result.stdout


def ensure_lifetimes() -> Path:
    python = LIFETIMES_VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {LIFETIMES_VENV} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(LIFETIMES_VENV)], check=True)  # noqa: S603
        pip = [str(python), "-m", "pip", "install", "--quiet", *LIFETIMES_REQUIREMENTS]
        subprocess.run(pip, check=True)  # noqa: S603
    return python


def machine() -> dict[str, Any]:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "date": dt.date.today().isoformat(),
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20260401)
    parser.add_argument("--ids", choices=("numeric", "text"), default="numeric")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each tool (best is kept)")
    parser.add_argument("--skip-lifetimes", action="store_true")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT / "src"))
    path = OUT / f"clv_{args.customers}_{args.ids}_{args.seed}.csv"
    if not path.exists():
        print(f"generating {path} ...", flush=True)
        rows = generate(path, args.customers, args.seed, args.ids)
    else:
        rows = sum(1 for _ in path.open()) - 1
    print(f"{path.name}: {args.customers:,} customers, {rows:,} transactions", flush=True)

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    ours_command = [
        str(RELATA), "clv", "fit", str(path), "--customer-col", "customer_id",
        "--date-col", "date", "--amount-col", "amount", "--time-unit", "day", "--format", "json",
    ]  # fmt: skip
    runs = [timed(ours_command, env) for _ in range(args.repeat)]
    ours_wall, ours_peak, ours_cpu, ours_out = min(runs, key=lambda run: run[0])
    ours = json.loads(ours_out)
    ours_params = {**ours["bgnbd"], **ours["gamma_gamma"]}
    report: dict[str, Any] = {
        "machine": machine(),
        "file": path.name,
        "customers": ours["customers"],
        "transactions": rows,
        "ours": {
            "wall_s": round(ours_wall, 2),
            "cpu_s": round(ours_cpu, 2),
            "peak_mb": round(ours_peak),
            "params": {k: ours_params[k] for k in PARAMETERS},
        },
    }
    print(
        f"relata clv fit: {ours_wall:.2f} s ({ours_cpu:.2f} s CPU), peak {ours_peak:.0f} MB",
        flush=True,
    )

    if not args.skip_lifetimes:
        python = ensure_lifetimes()
        script = OUT / "lifetimes_run.py"
        script.write_text(LIFETIMES_RUN)
        runs = [timed([str(python), str(script), str(path)], env) for _ in range(args.repeat)]
        lt_wall, lt_peak, lt_cpu, lt_out = min(runs, key=lambda run: run[0])
        theirs = json.loads(lt_out)
        differences = {
            k: 100 * (ours_params[k] - theirs["params"][k]) / theirs["params"][k]
            for k in PARAMETERS
        }
        report["lifetimes"] = {
            "wall_s": round(lt_wall, 2),
            "cpu_s": round(lt_cpu, 2),
            "peak_mb": round(lt_peak),
            "params": theirs["params"],
            "customers": theirs["customers"],
        }
        report["speed_up"] = round(lt_wall / ours_wall, 1)
        report["cpu_ratio"] = round(lt_cpu / ours_cpu, 1)
        report["memory_ratio"] = round(lt_peak / ours_peak, 2)
        report["parameter_difference_percent"] = {k: round(v, 5) for k, v in differences.items()}
        print(f"lifetimes:      {lt_wall:.2f} s ({lt_cpu:.2f} s CPU), peak {lt_peak:.0f} MB")
        print(
            f"speed-up {lt_wall / ours_wall:.1f}x wall, {lt_cpu / ours_cpu:.1f}x CPU; "
            f"memory {ours_peak / lt_peak:.0%} of lifetimes"
        )
        print("parameter   relata          lifetimes       difference")
        for k in PARAMETERS:
            ours_k, theirs_k = ours_params[k], theirs["params"][k]
            print(f"{k:<9} {ours_k:>14.8g} {theirs_k:>15.8g} {differences[k]:>+11.5f} %")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
