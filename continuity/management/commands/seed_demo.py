from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from continuity import demo
from continuity.models import Practice, Therapist


class Command(BaseCommand):
    help = "Load the demo practice (idempotent) and print the demo sign-in."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Only seed when the database holds no practice and no account at all.",
        )

    def handle(self, *args, if_empty: bool = False, **options) -> None:
        if not settings.DEVELOPMENT:
            raise CommandError("Demo data has a public password: refused outside development.")
        empty = not Practice.objects.exists() and not Therapist.objects.exists()
        if if_empty and not empty:
            self.stdout.write("Database is not empty: demo data not loaded.")
        else:
            result = demo.seed()
            self.stdout.write(
                "Demo practice loaded." if result.created else "Demo practice already present."
            )
        if Therapist.objects.filter(email=demo.DEMO_THERAPIST_EMAIL).exists():
            self.stdout.write(
                f"Demo sign-in: {demo.DEMO_THERAPIST_EMAIL} / {demo.DEMO_PASSWORD}  "
                f"(colleague: {demo.DEMO_COLLEAGUE_EMAIL}, same password)"
            )
