"""Give a staff member a role from the server (the first admin, a one-admin clinic)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from clinic import roles
from clinic.choices import Role
from clinic.management.base import AuditedCommand
from clinic.models import User


class Command(AuditedCommand):
    help = (
        "Give a staff member a role. In the application a second admin must approve each "
        "grant; this command is for whoever runs the server. The grant is audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("role", choices=Role.values)

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No account named {options['username']!r}.")
        try:
            roles.role_grant_on_server(user=user, role=options["role"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(f"{user.get_username()} now holds the role {options['role']}.")
