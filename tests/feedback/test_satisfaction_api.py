"""/api/satisfaction/nps and /api/satisfaction/touchpoints: the page's figures as JSON."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache

from relata.accounts.models import ApiToken
from tests.api.conftest import ApiClient, user_with_role
from tests.feedback.satisfaction_support import LATEST, RANGE, Answers, at, delivery_out_of_control

pytestmark = pytest.mark.django_db

QUERY = {key: value.isoformat() for key, value in RANGE.items()}


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def _api(role: str | None) -> ApiClient:
    _token, raw = ApiToken.issue(user=user_with_role(f"api-{role}", role), name="t")
    return ApiClient(raw)


@pytest.fixture
def api() -> ApiClient:
    return _api("sales")


def test_token_and_permission_are_required() -> None:
    assert ApiClient(None).get("/api/satisfaction/nps").status_code == 401
    nobody = _api(None)
    for path in ("/api/satisfaction/nps", "/api/satisfaction/touchpoints"):
        response = nobody.get(path)
        assert response.status_code == 403
        assert "feedback.view_surveyresponse" in response.json()["detail"]


def test_nps_series_with_interval_and_change(api: ApiClient) -> None:
    # given May: 9, 10, 3 and June: 0, 0, 8
    answers = Answers()
    for nps in (9, 10, 3):
        answers.add(nps=nps, answered_at=at(date(2026, 5, 10)))
    for nps in (0, 0, 8):
        answers.add(nps=nps, answered_at=at(LATEST))
    answers.save()
    # when
    response = api.get("/api/satisfaction/nps", QUERY)
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["filters"]["granularity"] == "month"
    periods = {p["period"]: p for p in body["periods"]}
    assert len(body["periods"]) == 13
    may, june = periods["2026-05"], periods["2026-06"]
    assert may["nps"] == pytest.approx(100 / 3)
    assert may["counts"][9] == 1 and may["counts"][3] == 1
    # Var = (2/3 + 1/3 − (1/3)²) / 3: se = 100·√(8/27) = 54.4 → clipped above at 100
    assert may["nps_low"] == pytest.approx(100 / 3 - 1.959964 * 100 * (8 / 27) ** 0.5, abs=1e-3)
    assert may["nps_high"] == 100
    assert june["nps"] == pytest.approx(-200 / 3)
    assert periods["2025-06"]["nps"] is None and periods["2025-06"]["answers"] == 0
    assert body["total"]["answers"] == 6
    change = body["change"]
    assert (change["before"], change["after"]) == ("2026-05", "2026-06")
    assert change["difference"] == pytest.approx(-100.0)
    assert change["p_value"] is not None


def test_touchpoints_table_with_statuses(api: ApiClient) -> None:
    delivery_out_of_control()
    response = api.get("/api/satisfaction/touchpoints", QUERY)
    assert response.status_code == 200
    body = response.json()
    assert body["latest_period"] == "2026-06"
    assert body["settings"] == {
        "baseline_periods": 12,
        "min_answers": 20,
        "min_baseline_answers": 50,
        "sigmas": 3.0,
    }
    rows = {row["touchpoint"]: row for row in body["rows"]}
    phone = rows["delivery"]["channels"][0]
    assert phone["channel"] == "phone"
    assert phone["status"] == "out_of_control"
    assert phone["answers"] == 390
    assert phone["centre"] == pytest.approx(0.1)
    assert phone["latest"]["dissatisfied_share"] == pytest.approx(0.4)
    assert phone["latest"]["upper"] == pytest.approx(0.1 + 3 * (0.09 / 30) ** 0.5)
    assert len(phone["periods"]) == 13 and phone["periods"][0]["in_baseline"]
    assert rows["service"]["total"]["status"] == "in_control"
    assert rows["service"]["total"]["channel"] is None
    assert body["totals"]["touchpoint"] is None
    assert body["totals"]["total"]["answers"] == 780


def test_filters_apply_and_bad_ones_are_422(api: ApiClient) -> None:
    delivery_out_of_control()
    only = api.get("/api/satisfaction/touchpoints", {**QUERY, "touchpoint": "service"}).json()
    assert [row["touchpoint"] for row in only["rows"]] == ["service"]
    bad = api.get("/api/satisfaction/nps", {"touchpoint": "moon"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "touchpoint"]
    reversed_range = api.get(
        "/api/satisfaction/nps", {"date_from": "2026-05-01", "date_to": "2026-04-01"}
    )
    assert reversed_range.status_code == 422
    assert reversed_range.json()["detail"][0]["loc"] == ["query", "date_to"]
    assert api.get("/api/satisfaction/nps", {"granularity": "week"}).status_code == 422


def test_empty_answers_give_empty_figures(api: ApiClient) -> None:
    body = api.get("/api/satisfaction/touchpoints").json()
    assert body["rows"] == [] and body["totals"] is None
    nps = api.get("/api/satisfaction/nps").json()
    assert nps["total"]["answers"] == 0 and nps["total"]["nps"] is None
    assert nps["change"]["p_value"] is None and nps["change"]["significant"] is False
