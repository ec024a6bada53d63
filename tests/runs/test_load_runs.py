import io
from collections import Counter

from django.core.management import call_command

from runs.models import RunArtifact
from tests.runs.factories import record


def test_load_runs_writes_a_varied_verifying_ledger(db):
    existing = record()
    err = io.StringIO()
    call_command("load_runs", "400", "--batch-size=150", "--days=30", "--seed=7", stdout=io.StringIO(), stderr=err)
    assert "load_runs: 400/400" in err.getvalue()
    runs = RunArtifact.objects.exclude(run_id=existing.run_id)
    assert runs.count() == 400
    assert list(RunArtifact.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, 402))
    for field, at_least in (("kind", 3), ("status", 3), ("tool_id", 8), ("material_id", 8), ("machine_id", 3),
                            ("risk_level", 4), ("mode", 3)):  # fmt: skip
        assert len(Counter(runs.values_list(field, flat=True))) >= at_least, field
    assert runs.exclude(gcode_text=None).exists()
    assert runs.exclude(discarded_client_fields=[]).exists()
    # A ledger that already has runs is extended, never backdated before its head.
    assert runs.order_by("seq").first().created_at >= existing.created_at
    out = io.StringIO()
    call_command("verify_runs", stdout=out, verbosity=0)
    assert "ledger OK: 401 artifacts verified" in out.getvalue()


def test_load_runs_on_an_empty_ledger_spreads_dates_over_the_days(db):
    call_command("load_runs", "200", "--days=10", "--seed=1", stdout=io.StringIO(), stderr=io.StringIO())
    days = {moment.date() for moment in RunArtifact.objects.values_list("created_at", flat=True)}
    assert len(days) >= 9
    stamps = list(RunArtifact.objects.order_by("seq").values_list("created_at", flat=True))
    assert stamps == sorted(stamps)
