from __future__ import annotations

from django.core.management.base import BaseCommand

from continuity import crypto


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted column under the newest key in FIELD_ENCRYPTION_KEYS "
        "(idempotent). Afterwards the older keys can be removed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction.")

    def handle(self, *args, batch_size: int, **options) -> None:
        total = 0
        for model, field in crypto.encrypted_fields():
            result = crypto.rotate_field(model, field, batch_size=batch_size)
            total += result.rotated
            self.stdout.write(
                f"{result.model}.{result.field}: {result.rotated} re-encrypted, "
                f"{result.current} already under the newest key"
            )
        self.stdout.write(self.style.SUCCESS(f"{total} values re-encrypted."))
