"""Walks the audit log's hash chain. Exit status 0 when every row follows the one before,
1 naming the first row that does not (altered, slipped in, or after a removed row)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from continuity.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; non-zero exit at the first broken row."

    def handle(self, *args, **options) -> None:
        report = verify_chain()
        if report.broken is not None:
            broken = report.broken
            raise CommandError(
                f"Audit chain broken at seq {broken.seq} (id {broken.id}): {broken.problem}. "
                f"{report.verified} rows verified before it."
            )
        self.stdout.write(
            f"Audit chain intact: {report.verified} rows verified. Head hash {report.head}."
        )
