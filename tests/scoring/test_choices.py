from relata.analytics import churn, lifecycle, migration, potential, pyramid, rfm
from relata.scoring import choices


def test_translated_choices_match_the_analytics_codes() -> None:
    pairs = [
        (choices.TierChoice, [t for t in pyramid.Tier if t != pyramid.Tier.NONE]),
        (choices.RfmSegmentChoice, list(rfm.RfmSegment)),
        (choices.StageChoice, list(lifecycle.Stage)),
        (choices.GridChoice, list(potential.GridDecision)),
        (choices.ChurnLevelChoice, list(churn.ChurnLevel)),
        (choices.MovementChoice, list(migration.Movement)),
    ]
    for django_choices, codes in pairs:
        assert sorted(django_choices.values) == sorted(int(c) for c in codes), django_choices
