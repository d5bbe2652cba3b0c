"""The value pages' translatable copies of the analytics core's English texts stay equal to
them, and the drill-down's tier → migration-state map is the core's."""

from __future__ import annotations

from django.utils import translation

from relata.analytics import lifecycle, migration
from relata.analytics.clv import discounted, formula, residual
from relata.scoring.drilldown import STATE_TIERS
from relata.scoring.labels import PLAYBOOKS, STATE_LABELS, V_STEPS, VALUE_METHODS


def test_playbooks_and_v_steps_match_the_lifecycle_module() -> None:
    # given English as the language
    with translation.override("en"):
        # then every stage has the core's playbook and V step
        assert {int(k): str(v) for k, v in PLAYBOOKS.items()} == {
            int(k): v for k, v in lifecycle.PLAYBOOKS.items()
        }
        assert {int(k): v for k, v in V_STEPS.items()} == {
            int(k): v for k, v in lifecycle.V_STEPS.items()
        }


def test_value_methods_carry_the_core_assumptions() -> None:
    with translation.override("en"):
        assumptions = {method.field: str(method.assumptions) for method in VALUE_METHODS}
    assert assumptions == {
        "clv_formula": formula.ASSUMPTIONS,
        "clv_discounted": discounted.ASSUMPTIONS,
        "clv_probabilistic": residual.ASSUMPTIONS,
    }


def test_state_labels_and_tiers_follow_the_migration_module() -> None:
    with translation.override("en"):
        assert {int(k): str(v) for k, v in STATE_LABELS.items()} == {
            int(k): v for k, v in migration.STATE_LABELS.items()
        }
    # every tier code maps to exactly the state the core gives it
    for state, tiers in STATE_TIERS.items():
        assert list(migration.migration_states(list(tiers))) == [state] * len(tiers)
    assert sorted(t for tiers in STATE_TIERS.values() for t in tiers) == list(range(8))
