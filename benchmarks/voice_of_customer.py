"""Voice of the customer: how long the reports take and how fast survey links are answered,
on a demo database (issue 6).

    createdb -h 127.0.0.1 -U postgres relata_voice
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/relata_voice
    .venv/bin/relata migrate && .venv/bin/relata demo-data --customers 100000 --years 4 --seed 42
    .venv/bin/relata demo-users && .venv/bin/relata demo-feedback && .venv/bin/relata score
    .venv/bin/python benchmarks/voice_of_customer.py --repeat 5 --answers 300

Each report is built once to warm the database's cache, then ``--repeat`` times without
Relata's own result cache (the pages cache a report for minutes; this measures the first
view after the data changed). The answers part sends ``--answers`` personal links (handed
over, no e-mail) and answers each through the same service the public page calls, half of
them as detractors (a routed follow-up task each); it prints answers per second. The
answers it writes stay in the database.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relata.config.settings")


def _timed(label: str, build: Callable[[], Any], repeat: int) -> None:
    build()
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        build()
        seconds.append(time.perf_counter() - started)
    print(
        f"{label:<44} median {statistics.median(seconds) * 1000:8.0f} ms"
        f"   max {max(seconds) * 1000:8.0f} ms   (n={repeat})"
    )


def _answers(count: int) -> None:
    from django.contrib.auth.models import User

    from relata.customers.models import Customer
    from relata.feedback.models import Survey
    from relata.feedback.models.surveys import InvitationSource
    from relata.feedback.survey_services import survey_answer, survey_send

    survey = Survey.objects.filter(active=True, asks_nps=True).order_by("id").first()
    if survey is None:
        print("no active NPS survey: run `relata demo-feedback` first")
        return
    actor = User.objects.filter(is_superuser=True).order_by("id").first()
    customers = list(Customer.objects.order_by("-id")[:count])
    links = []
    started = time.perf_counter()
    for customer in customers:
        sent = survey_send(
            survey=survey,
            customer=customer,
            source=InvitationSource.MANUAL,
            actor=actor,
            by_email=False,
        )
        links.append(sent.link.rstrip("/").rsplit("/", 1)[-1])
    sending = time.perf_counter() - started
    started = time.perf_counter()
    for i, token in enumerate(links):
        detractor = i % 2 == 0
        survey_answer(
            token=token,
            nps=3 if detractor else 9,
            csat=(2 if detractor else 5) if survey.asks_csat else None,
            comment="Benchmark answer" if survey.asks_comment else "",
        )
    answering = time.perf_counter() - started
    n = len(links)
    print(f"{'survey links made (handed over)':<44} {n / sending:8.0f} per second  (n={n})")
    print(
        f"{'survey answers (half detractors, with task)':<44} {n / answering:8.0f} per second"
        f"  (n={n})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--answers", type=int, default=200)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from relata.customers.models import Customer
    from relata.feedback.influence_selectors import influence_run, influence_totals
    from relata.feedback.journey_report import journey_report_build
    from relata.feedback.journey_selectors import JourneyFilters, default_period
    from relata.feedback.models import SurveyResponse
    from relata.feedback.satisfaction_selectors import satisfaction_filters, satisfaction_report
    from relata.scoring.models import ScoringSettings

    print(
        f"{platform.node()} · {platform.processor() or platform.machine()} · "
        f"{os.cpu_count()} cores · {connection.vendor} · "
        f"{Customer.objects.count():,} customers · {SurveyResponse.objects.count():,} answers"
    )
    _timed(
        "satisfaction report (24 months, monthly)",
        lambda: satisfaction_report(satisfaction_filters()),
        args.repeat,
    )
    date_from, date_to = default_period()
    lost_after = ScoringSettings.current().lost_after_days
    _timed(
        "journey report (24 months, all six parts)",
        lambda: journey_report_build(
            JourneyFilters(date_from=date_from, date_to=date_to), lost_after_days=lost_after
        ),
        args.repeat,
    )
    run = influence_run()
    if run is not None:
        _timed("influence key figures (latest run)", lambda: influence_totals(run=run), args.repeat)
    if args.answers:
        _answers(args.answers)


if __name__ == "__main__":
    main()
