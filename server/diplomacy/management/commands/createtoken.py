"""Create an API token for a user (creating the user if needed); prints only the token."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from knox.models import AuthToken
from knox.settings import knox_settings

CURATORS = "curators"


class Command(BaseCommand):
    help = (
        "Create an API token for USERNAME and print it (only it) on standard output. The token is "
        "stored hashed: it cannot be shown again. Revoke it by deleting it in the admin."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--curator",
            action="store_true",
            help="Add the user to the curators group (may add, change and delete records).",
        )
        parser.add_argument(
            "--expires",
            type=int,
            metavar="DAYS",
            help=(
                "Days until the token expires (default: DETENTE_TOKEN_TTL_DAYS, 90); "
                "0 for a token that never expires."
            ),
        )

    @transaction.atomic
    def handle(
        self, *args: Any, username: str, curator: bool, expires: int | None, **options: Any
    ) -> None:
        if expires is not None and expires < 0:
            raise CommandError("--expires takes a number of days, 0 or more.")
        user, created = get_user_model().objects.get_or_create(username=username)
        if created:
            user.set_unusable_password()
            user.save()
            self.stderr.write(f"Created user {username}.")
        if curator:
            user.groups.add(Group.objects.get(name=CURATORS))
        if expires is None:
            lifetime: timedelta | None = knox_settings.TOKEN_TTL
        else:
            lifetime = timedelta(days=expires) if expires else None
        _, token = AuthToken.objects.create(user=user, expiry=lifetime)
        self.stdout.write(token)
