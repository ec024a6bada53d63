import json
import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from runs.hashing import GENESIS_SHA256
from runs.verification import Checkpoint, ledger_verify, registered_chains

_SHA256 = re.compile(r"[0-9a-f]{64}")
EXIT_MISMATCH = 1
EXIT_USAGE = 2


class Command(BaseCommand):
    help = (
        "Verify the run ledger: walk every artifact in seq order, recompute its hashes and its link to the one "
        "before, and exit 1 naming the first artifact that does not match. --checkpoint prints "
        '{"count", "chain_sha256", "head_run_id", "time"} to store elsewhere; --against CHECKPOINT proves the '
        "ledger still extends an earlier one."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint",
            action="store_true",
            help="After a successful verification print the checkpoint JSON alone on stdout (summary to stderr).",
        )
        parser.add_argument(
            "--against",
            metavar="CHECKPOINT",
            help="A checkpoint printed earlier: the path of a file holding it, or the JSON itself.",
        )
        parser.add_argument("--batch-size", type=int, default=500, help="Artifacts read per query (default 500).")
        parser.add_argument(
            "--jobs",
            type=int,
            default=1,
            help="Check chunks of the ledger in this many worker processes (one database connection each), "
            "all reading one snapshot; the result is the same as with 1. Default 1.",
        )

    def handle(
        self, *args, checkpoint: bool, against: str | None, batch_size: int, jobs: int, verbosity: int, **options
    ):
        if batch_size < 1 or jobs < 1:
            raise CommandError("--batch-size and --jobs must be at least 1", returncode=EXIT_USAGE)
        expected = _parse_checkpoint(against) if against else None
        reached, mismatch = ledger_verify(
            against=expected, batch_size=batch_size, progress=self._progress(verbosity), jobs=jobs
        )
        if mismatch is not None:
            verified = (
                f"all {reached.count} artifacts verify"
                if mismatch.subject
                else (f"the {reached.count} artifacts before it verify")
            )
            raise CommandError(f"ledger verification FAILED at {mismatch} ({verified})", returncode=EXIT_MISMATCH)
        summary = f"ledger OK: {reached.count} artifacts verified; head chain_sha256 {reached.chain_sha256}"
        for name, chain in reached.chains.items():
            summary += f"; {chain['count']} {name.replace('_', ' ')} verified, head {chain['chain_sha256']}"
        if expected is not None:
            summary += f"; extends the checkpoint at count {expected.count}"
        if checkpoint:
            self.stderr.write(summary)
            self.stdout.write(json.dumps(reached.as_json(at=timezone.now()), sort_keys=True))
        else:
            self.stdout.write(summary)

    def _progress(self, verbosity: int):
        """Progress to stderr, so stdout stays a clean result; at most one line per percent."""
        if verbosity < 1:
            return None
        shown = {"percent": -1}

        def report(done: int, total: int) -> None:
            percent = 100 * done // total if total else 100
            if percent > shown["percent"] and (done < total or shown["percent"] >= 0):
                shown["percent"] = percent
                self.stderr.write(f"verify_runs: {done}/{total} artifacts ({percent}%)")

        return report


def _parse_checkpoint(value: str) -> Checkpoint:
    text = value.strip()
    if not text.startswith("{"):
        try:
            text = Path(value).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot read checkpoint file {value}: {exc.strerror}", returncode=EXIT_USAGE) from None
    try:
        data = json.loads(text)
    except ValueError:
        raise CommandError("the checkpoint is not JSON", returncode=EXIT_USAGE) from None
    count = data.get("count") if isinstance(data, dict) else None
    chain = data.get("chain_sha256") if isinstance(data, dict) else None
    if not isinstance(count, int) or isinstance(count, bool) or count < 0 or not isinstance(chain, str):
        raise CommandError('a checkpoint needs "count" (>= 0) and "chain_sha256"', returncode=EXIT_USAGE)
    if not _SHA256.fullmatch(chain) or (count == 0 and chain != GENESIS_SHA256):
        raise CommandError("the checkpoint's chain_sha256 is not a valid chain hash", returncode=EXIT_USAGE)
    chains = {}
    for name in registered_chains():
        # Checkpoints taken before a chain was verified lack its entry; they still bind the ledger.
        entry = data.get(name)
        if entry is None:
            continue
        entry_count = entry.get("count") if isinstance(entry, dict) else None
        entry_chain = entry.get("chain_sha256") if isinstance(entry, dict) else None
        if (
            not isinstance(entry_count, int)
            or isinstance(entry_count, bool)
            or entry_count < 0
            or not isinstance(entry_chain, str)
            or not _SHA256.fullmatch(entry_chain)
        ):
            raise CommandError(f'the checkpoint\'s "{name}" needs "count" and "chain_sha256"', returncode=EXIT_USAGE)
        chains[name] = {"count": entry_count, "chain_sha256": entry_chain}
    return Checkpoint(count=count, chain_sha256=chain, head_run_id=str(data.get("head_run_id", "")), chains=chains)
