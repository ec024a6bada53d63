import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from rmos_site.core.enums import Role
from rmos_site.core.roles import grant_role

DEMO_USERS = [
    ("operator", Role.OPERATOR),
    ("approver", Role.APPROVER),
    ("auditor", Role.AUDITOR),
    ("admin", Role.ADMIN),
]


class Command(BaseCommand):
    help = "Create the demo users (operator, approver, auditor, admin) and print the passwords of new ones."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help="Use this password for users created now (default: a random one per user, printed once).",
        )

    def handle(self, *args, password: str | None = None, **options):
        User = get_user_model()
        created_any = False
        with transaction.atomic():
            for username, role in DEMO_USERS:
                user, created = User.objects.get_or_create(username=username)
                if created:
                    secret = password or secrets.token_urlsafe(9)
                    user.set_password(secret)
                    # The admin user runs the shop's registry and its users: a superuser.
                    user.is_superuser = role == Role.ADMIN
                    user.save()
                    self.stdout.write(f"created {username:<9} role={role.value:<9} password={secret}")
                    created_any = True
                grant_role(user, role)
        if not created_any:
            # The passwords were printed once, when the users were made; a lost one is set anew, not recovered.
            self.stdout.write(
                "demo users already exist (passwords unchanged); to set a new password for one: "
                "./dev manage changepassword <username> (e.g. ./dev manage changepassword operator)"
            )
