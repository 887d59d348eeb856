"""Correct a staff member's e-mail address from the server.

In the admin the address is read-only once the account exists: it is where the person's
password and authenticator links go, so no admin can redirect them. Whoever runs this
command on the server already holds the data; the change is audited and any unused
authenticator set-up link stops working.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.core.validators import validate_email

from clinic.choices import AccountType
from clinic.management.base import AuditedCommand
from clinic.models import User
from clinic.services import accounts


class Command(AuditedCommand):
    help = "Set a staff member's e-mail address (audited; pending set-up links expire)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("email")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            validate_email(options["email"])
        except ValidationError as error:
            raise CommandError(f"{options['email']!r} is not an e-mail address.") from error
        user = User.objects.filter(
            username=options["username"], account_type=AccountType.STAFF
        ).first()
        if user is None:
            raise CommandError(f"No staff account named {options['username']!r}.")
        accounts.staff_email_set(user=user, email=options["email"])
        self.stdout.write(f"{user.get_username()}'s e-mail address is now {user.email}.")
