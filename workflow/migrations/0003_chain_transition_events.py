"""Transition events join the ledger's proof: each gets seq, prev_sha256, content_sha256 and chain_sha256
(workflow/chain.py). Events written before this migration are chained here, in the order they were written
(id), with the immutability trigger switched off for that one UPDATE (the migration runs as the table's owner).
"""

from django.db import migrations, models

from runs import hashing

TABLE = "workflow_transitionevent"
ROW_TRIGGER = f"{TABLE}_refuse_update_delete"
CONTENT_FIELDS = ("session_id", "actor", "role", "action", "from_state", "to_state", "note", "run_id")


def chain_existing_events(apps, schema_editor):
    TransitionEvent = apps.get_model("workflow", "TransitionEvent")
    events = list(TransitionEvent.objects.order_by("id").values("id", "at", *CONTENT_FIELDS))
    if not events:
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{TABLE}" DISABLE TRIGGER "{ROW_TRIGGER}"')
        prev, previous_at = hashing.GENESIS_SHA256, None
        for seq, event in enumerate(events, start=1):
            # Time never runs backwards along the chain, as for new events.
            at = max(event["at"], previous_at) if previous_at is not None else event["at"]
            content = {name: event[name] for name in CONTENT_FIELDS}
            content["session_id"] = str(content["session_id"])
            content_sha256 = hashing.sha256_of(content)
            chain = hashing.chain_sha256(seq=seq, created_at=at, prev_sha256=prev, content_sha256=content_sha256)
            cursor.execute(
                f'UPDATE "{TABLE}" SET seq = %s, at = %s, prev_sha256 = %s, content_sha256 = %s, chain_sha256 = %s '
                "WHERE id = %s",
                [seq, at, prev, content_sha256, chain, event["id"]],
            )
            prev, previous_at = chain, at
        cursor.execute(f'ALTER TABLE "{TABLE}" ENABLE TRIGGER "{ROW_TRIGGER}"')


class Migration(migrations.Migration):
    dependencies = [("workflow", "0002_transitionevent_immutable")]

    operations = [
        migrations.AddField(
            model_name="transitionevent",
            name="seq",
            field=models.PositiveBigIntegerField(null=True, editable=False),
        ),
        migrations.AddField(
            model_name="transitionevent",
            name="prev_sha256",
            field=models.CharField(max_length=64, default="", editable=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="transitionevent",
            name="content_sha256",
            field=models.CharField(max_length=64, default="", editable=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="transitionevent",
            name="chain_sha256",
            field=models.CharField(max_length=64, default="", editable=False),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop),
    ]
