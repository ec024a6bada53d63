"""Synthetic artifacts for benchmarks and demos, written through the ledger service like any other.

Making and hashing the artifacts (``_synthetic_run`` and ``run_prepare``) costs more than inserting them, so with
``--jobs`` > 1 worker processes prepare the batches while this process appends them, in order, through
``run_record_many``: only this process touches the database and the chain.
"""

import collections
import multiprocessing
import os
import random
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from runs.enums import RunKind, RunStatus
from runs.hashing import sha256_of
from runs.models import RunArtifact
from runs.services import run_prepare, run_record_many

# Ids of the default shop, so that a demo ledger reads like the registry it sits next to. Kept here because
# the ledger imports no other app.
TOOLS = [
    ("saw:thin_140", "saw", 140.0),
    ("saw:slit_100", "saw", 100.0),
    ("router:upcut_1_8in", "router", 3.175),
    ("router:downcut_1_8in", "router", 3.175),
    ("router:upcut_1_4in", "router", 6.35),
    ("router:downcut_1_4in", "router", 6.35),
    ("router:flat_3mm", "router", 3.0),
    ("router:flat_6mm", "router", 6.0),
    ("vbit:60deg", "vbit", 12.0),
    ("vbit:90deg", "vbit", 12.0),
]
MATERIALS = [
    "ebony",
    "east_indian_rosewood",
    "hard_maple",
    "maple",
    "mahogany",
    "sitka_spruce",
    "western_red_cedar",
    "walnut",
    "koa",
    "mdf",
    "baltic_birch_plywood",
]
MACHINES = ["router_a", "desktop_4040", "desktop_3018"]
RISKS = [("GREEN", 50), ("YELLOW", 25), ("RED", 15), ("UNKNOWN", 10)]
KINDS = [(RunKind.FEASIBILITY, 55), (RunKind.TOOLPATHS, 35), (RunKind.APPROVAL, 10)]
SYNTHETIC_ENGINE = "synthetic/1"


class Command(BaseCommand):
    help = (
        "Append N synthetic run artifacts (all kinds, statuses, tools, materials, machines and risk levels, "
        "dated over the past --days) through runs.services, in batches, keeping the chain valid. For "
        "benchmarks and demos: they are marked actor=load_runs and engine_version=synthetic/1."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, metavar="N")
        parser.add_argument("--days", type=int, default=90, help="Spread the artifacts over this many past days.")
        parser.add_argument("--batch-size", type=int, default=2000, help="Artifacts per transaction.")
        parser.add_argument("--seed", type=int, default=None, help="Random seed, for a reproducible mix.")
        parser.add_argument(
            "--jobs",
            type=int,
            default=os.cpu_count() or 1,
            help="Processes preparing batches (default: one per CPU); 1 prepares them in this process.",
        )

    def handle(
        self, *args, count: int, days: int, batch_size: int, seed: int | None, jobs: int, verbosity: int, **options
    ):
        if count < 0 or days < 1 or batch_size < 1 or jobs < 1:
            raise CommandError("N must be >= 0, --days, --batch-size and --jobs >= 1")
        rng = random.Random(seed)
        now = timezone.now()
        head = RunArtifact.objects.order_by("-seq").values_list("created_at", flat=True).first()
        # Time never runs backwards along the ledger, so a ledger that already has runs is extended from its
        # head rather than backdated before it.
        start = max(now - timedelta(days=days), head or now - timedelta(days=days))
        span = (now - start).total_seconds()
        sessions = [f"sess_{rng.getrandbits(48):012x}" for _ in range(max(1, count // 20))]
        plan = _Plan(seed=rng.getrandbits(64), count=count, start=start, span=span, sessions=sessions)
        batches = [(number, offset, min(batch_size, count - offset)) for number, offset in
                   enumerate(range(0, count, batch_size))]  # fmt: skip
        began, written = time.monotonic(), 0
        for drafts, stamps in _prepared(plan, batches, jobs):
            run_record_many(drafts, created_at=stamps, return_artifacts=False)
            written += len(drafts)
            if verbosity >= 1:
                rate = written / max(time.monotonic() - began, 1e-6)
                self.stderr.write(f"load_runs: {written}/{count} ({rate:.0f}/s)")
        self.stdout.write(f"loaded {written} synthetic artifacts")


class _Plan(collections.namedtuple("_Plan", "seed count start span sessions")):
    """What every batch needs: the run's seed, the total count, the time span and the session ids."""


_plan: _Plan | None = None  # set in each worker by _use_plan (and in this process when --jobs is 1)


def _use_plan(plan: _Plan) -> None:
    global _plan
    _plan = plan


def _prepare_batch(batch: tuple[int, int, int]):
    """Drafts and backdated times for one batch; its own random stream, so the mix does not depend on which
    process prepares it. No database access: workers only compute."""
    number, offset, size = batch
    plan = _plan
    rng = random.Random(f"{plan.seed}:{number}")
    drafts, stamps = [], []
    for index in range(offset, offset + size):
        drafts.append(run_prepare(**_synthetic_run(rng, plan.sessions)))
        stamps.append(plan.start + timedelta(seconds=plan.span * (index + rng.random()) / plan.count))
    return drafts, stamps


def _prepared(plan: _Plan, batches: list, jobs: int):
    """The prepared batches, in order: in this process, or from ``jobs`` forked workers with at most two
    batches per worker waiting (the prepared artifacts never pile up in memory)."""
    if jobs == 1 or len(batches) < 2:
        _use_plan(plan)
        for batch in batches:
            yield _prepare_batch(batch)
        return
    # fork: the workers inherit the loaded Django settings and apps, and never use the inherited database
    # connection (they exit with os._exit, so it is not closed under this process either).
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, initializer=_use_plan, initargs=(plan,)) as pool:
        pending = collections.deque()
        queue = iter(batches)
        for batch in queue:
            pending.append(pool.apply_async(_prepare_batch, (batch,)))
            if len(pending) >= 2 * jobs:
                break
        while pending:
            result = pending.popleft().get()
            batch = next(queue, None)
            if batch is not None:
                pending.append(pool.apply_async(_prepare_batch, (batch,)))
            yield result


def _weighted(rng: random.Random, choices):
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights)[0]


def _synthetic_run(rng: random.Random, sessions: list[str]) -> dict:
    tool_id, mode, diameter = rng.choice(TOOLS)
    material_id, machine_id = rng.choice(MATERIALS), rng.choice(MACHINES)
    kind, risk = _weighted(rng, KINDS), _weighted(rng, RISKS)
    score = {"GREEN": rng.uniform(80, 100), "YELLOW": rng.uniform(55, 80), "RED": rng.uniform(5, 45)}.get(risk)
    score = None if score is None else round(score, 1)
    session_id = rng.choice(sessions) if kind == RunKind.APPROVAL or rng.random() < 0.4 else ""
    design = _design(rng, mode)
    rpm = rng.choice([6000, 12000, 16000, 18000, 24000]) if mode != "saw" else rng.choice([3000, 4000, 5000])
    cut = {
        "rpm": rpm,
        "feed_mm_min": round(rng.uniform(300, 3000), 1),
        "stepdown_mm": round(rng.uniform(0.3, 2.0), 2),
        "passes": rng.randint(1, 6),
        "depth_mm": design["depth"],
    }
    checks = [
        {"code": "chip_load", "status": "pass" if risk == "GREEN" else "warn", "message": "chip load in band",
         "value": round(rng.uniform(0.01, 0.1), 3), "limit": 0.08},
        {"code": "envelope", "status": "fail" if risk == "RED" else "pass", "message": "design inside travel",
         "value": None, "limit": None},
    ]  # fmt: skip
    feasibility = None
    if risk != "UNKNOWN" or rng.random() < 0.5:
        feasibility = {
            "mode": mode,
            "tool_id": tool_id,
            "material_id": material_id,
            "machine_id": machine_id,
            "safety": {
                "risk_level": risk,
                "score": score,
                "block_reason": {"RED": "design leaves the machine envelope", "UNKNOWN": f"unknown tool {tool_id}"}.get(
                    risk
                ),
                "warnings": ["chip load near the upper limit"] if risk == "YELLOW" else [],
                "checks": checks,
            },
            "cut": cut,
            "engine_version": SYNTHETIC_ENGINE,
        }
    status, errors, gcode, toolpaths = RunStatus.OK, [], None, None
    allowed = risk in ("GREEN", "YELLOW")
    if rng.random() < 0.03:
        status, errors = RunStatus.ERROR, [{"code": "ENGINE_ERROR", "message": "synthetic engine failure"}]
    elif kind == RunKind.TOOLPATHS and not allowed:
        status, errors = RunStatus.BLOCKED, [{"code": "SAFETY_BLOCKED", "message": f"risk level {risk}"}]
    elif kind == RunKind.APPROVAL and not (risk == "GREEN" or (risk == "YELLOW" and (score or 0) >= 70)):
        status, errors = RunStatus.BLOCKED, [{"code": "APPROVAL_BLOCKED", "message": "RED and overrides disabled"}]
    elif kind == RunKind.TOOLPATHS:
        gcode = _gcode(design, cut)
        toolpaths = {
            "moves": gcode.count("\n"),
            "cut_length_mm": round(rng.uniform(50, 2000), 1),
            "bounds": {"x": [-design.get("od", 50) / 2, design.get("od", 50) / 2], "z": [-design["depth"], 5.0]},
            "estimated_time_s": round(rng.uniform(20, 900), 1),
        }
    request = {"tool_id": tool_id, "material_id": material_id, "machine_id": machine_id, "design": design}
    if kind == RunKind.APPROVAL:
        request = {"session_id": session_id, "note": "synthetic approval"}
    if rng.random() < 0.05:
        request["safety"] = {"risk_level": "GREEN"}  # a client trying to decide: discarded and recorded
    return {
        "kind": kind,
        "status": status,
        "actor": "load_runs",
        "request": request,
        "mode": mode,
        "tool_id": tool_id,
        "material_id": material_id,
        "machine_id": machine_id,
        "session_id": session_id,
        "risk_level": risk if feasibility is not None else "",
        "score": score if feasibility is not None else None,
        "feasibility": feasibility,
        "feasibility_sha256": "" if feasibility is None else sha256_of(feasibility),
        "registry_snapshot": {
            "tool": {"tool_id": tool_id, "kind": mode, "diameter_mm": diameter},
            "material": {"material_id": material_id},
            "machine": {"machine_id": machine_id},
        },
        "engine_version": SYNTHETIC_ENGINE,
        "gcode_text": gcode,
        "toolpaths": toolpaths,
        "errors": errors,
    }


def _design(rng: random.Random, mode: str) -> dict:
    depth = round(rng.uniform(0.5, 4.0), 2)
    if mode == "saw":
        return {"shape": "fret_slots", "scale_length": rng.choice([628.0, 635.0, 648.0]), "frets": 22,
                "board_width": 56.0, "depth": depth}  # fmt: skip
    shape = rng.choice(["ring", "pocket_circle", "pocket_rect", "slot"])
    if shape == "ring":
        return {"shape": "ring", "od": round(rng.uniform(90, 150), 1), "width": round(rng.uniform(2, 8), 1),
                "depth": depth}  # fmt: skip
    if shape == "pocket_circle":
        return {"shape": "pocket_circle", "d": round(rng.uniform(10, 80), 1), "depth": depth}
    if shape == "pocket_rect":
        return {"shape": "pocket_rect", "w": round(rng.uniform(10, 120), 1), "h": round(rng.uniform(10, 60), 1),
                "depth": depth}  # fmt: skip
    return {"shape": "slot", "length": round(rng.uniform(20, 300), 1), "depth": depth, "x": 0, "y": 0, "angle": 0}


def _gcode(design: dict, cut: dict) -> str:
    lines = ["(synthetic)", "G21", "G90", f"M3 S{cut['rpm']}", "G0 Z5.000"]
    for step in range(1, cut["passes"] + 1):
        z = -design["depth"] * step / cut["passes"]
        lines += [f"G1 Z{z:.3f} F{cut['feed_mm_min'] / 3:.0f}", f"G1 X10.000 F{cut['feed_mm_min']:.0f}", "G0 Z5.000"]
    return "\n".join([*lines, "M5", "M30", ""])
