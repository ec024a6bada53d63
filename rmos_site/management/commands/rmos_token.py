from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from rmos_site.core.enums import Role
from rmos_site.core.roles import grant_role
from rmos_site.core.tokens import token_issue
from rmos_site.core.userguard import acting_as


class Command(BaseCommand):
    help = (
        "Create USERNAME if needed, put it in ROLE's group, and print a new API token alone on stdout. The token "
        "is shown this once: only its hash is stored. Earlier tokens of the user keep working until revoked."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[role.value for role in Role])

    def handle(self, *args, username: str, role: str, **options):
        username = username.strip()
        if not username:
            raise CommandError("USERNAME must not be empty")
        User = get_user_model()
        with transaction.atomic(), acting_as(None, via="rmos_token"):
            user, created = User.objects.get_or_create(username=username)
            if created:
                # API-only users log in with their token; an unusable password keeps the login page closed.
                user.set_unusable_password()
                user.save()
            grant_role(user, role)
            key = token_issue(user=user)
        if created:
            self.stderr.write(f"created user {username!r} with role {role}")
        self.stdout.write(key)
