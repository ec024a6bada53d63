from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from workflow.graph import render_dot, render_svg

DOT_PATH = Path("docs") / "workflow-states.dot"
SVG_PATH = Path("docs") / "workflow-states.svg"


class Command(BaseCommand):
    help = "Draw the workflow state machine from its declared transitions into docs/workflow-states.{dot,svg}."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Fail if the committed files are out of date.")

    def handle(self, *args, check: bool = False, **options):
        stale = []
        for relative, text in ((DOT_PATH, render_dot()), (SVG_PATH, render_svg())):
            path = Path(settings.BASE_DIR) / relative
            current = path.read_text(encoding="utf-8") if path.exists() else None
            if current == text:
                continue
            stale.append(str(relative))
            if not check:
                path.write_text(text, encoding="utf-8")
                self.stdout.write(f"wrote {relative}")
        if check and stale:
            raise SystemExit(f"out of date: {', '.join(stale)}; run `python manage.py workflow_graph`")
