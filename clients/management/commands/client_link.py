from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from clients.links import link_issue, link_url
from clients.models import Client


class Command(BaseCommand):
    help = "Print a fresh private link for a client (by id). The link is not stored in clear."

    def add_arguments(self, parser) -> None:
        parser.add_argument("client_id", type=int)

    def handle(self, *args, client_id: int, **options) -> None:
        client = Client.objects.filter(pk=client_id).first()
        if client is None:
            raise CommandError(f"No client with id {client_id}.")
        try:
            link, token = link_issue(client=client)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(link_url(token))
        self.stderr.write(f"Valid until {link.expires_at:%Y-%m-%d %H:%M} UTC.")
