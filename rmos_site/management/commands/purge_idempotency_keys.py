"""``manage.py purge_idempotency_keys [--older-than DAYS] [--dry-run]``: forget old ``Idempotency-Key`` answers.

The table grows by one row per keyed job and is not part of the ledger (the artifacts the answers name stay).
Once a key is forgotten, a request with it counts as new. Run it daily from cron or a systemd timer; deleting
in batches keeps each transaction short on a busy server.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from rmos_site.core.models import IdempotencyRecord

BATCH = 5000


class Command(BaseCommand):
    help = "Delete stored Idempotency-Key answers older than --older-than days (default 30)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=30, metavar="DAYS", help="Keep this many days.")
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be deleted.")

    def handle(self, *args, older_than: int, dry_run: bool, **options):
        if older_than < 1:
            raise CommandError("--older-than must be at least 1 day: a client may still be retrying today's keys")
        cutoff = timezone.now() - timedelta(days=older_than)
        old = IdempotencyRecord.objects.filter(created_at__lt=cutoff)
        if dry_run:
            self.stdout.write(f"{old.count()} idempotency keys older than {older_than} days would be deleted")
            return
        deleted = 0
        while True:
            with transaction.atomic():
                batch = list(old.order_by("created_at").values_list("pk", flat=True)[:BATCH])
                if not batch:
                    break
                deleted += IdempotencyRecord.objects.filter(pk__in=batch).delete()[0]
        self.stdout.write(f"deleted {deleted} idempotency keys older than {older_than} days")
