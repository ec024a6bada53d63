"""API token authentication in one query.

DRF's ``TokenAuthentication`` loads the token and its user with the ORM, and the role check then loads the
user's groups with a second query. Every API call pays both, so here one statement reads the token, its
user and the names of the user's groups, with the same outcomes as DRF's class: an unknown key or an
inactive user is a 401 with DRF's messages, and a valid key yields ``(user, token)``.
"""

from functools import cache

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from rmos_site.core.roles import remember_roles

_KEY_LENGTH = Token._meta.get_field("key").max_length


@cache
def _statement() -> tuple[str, tuple[str, ...]]:
    """The SQL (built once from the models' metadata) and the user fields it returns, in order."""
    user_model = get_user_model()
    fields = tuple(field.attname for field in user_model._meta.concrete_fields)
    columns = ", ".join(f'u."{field.column}"' for field in user_model._meta.concrete_fields)
    groups = user_model._meta.get_field("groups")
    through = groups.remote_field.through._meta
    group_table = groups.related_model._meta.db_table
    sql = (
        f'SELECT t."created", {columns}, ARRAY('
        f'SELECT g."name" FROM "{through.db_table}" ug '
        f'JOIN "{group_table}" g ON g."id" = ug."{groups.m2m_reverse_name()}" '
        f'WHERE ug."{groups.m2m_column_name()}" = u."{user_model._meta.pk.column}") '
        f'FROM "{Token._meta.db_table}" t JOIN "{user_model._meta.db_table}" u '
        f'ON u."{user_model._meta.pk.column}" = t."{Token._meta.get_field("user").column}" '
        f'WHERE t."{Token._meta.pk.column}" = %s'
    )
    return sql, fields


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``; the user comes back with its roles already known."""

    def authenticate_credentials(self, key):
        # A key that cannot be a stored key is refused without a query (PostgreSQL would answer a NUL with
        # an error, not "no row").
        if len(key) > _KEY_LENGTH or "\x00" in key:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        sql, fields = _statement()
        alias = router.db_for_read(Token)
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, [key])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        created, *values, group_names = row
        user = get_user_model().from_db(alias, fields, values)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        remember_roles(user, group_names)
        token = Token.from_db(alias, ("key", "user_id", "created"), (key, user.pk, created))
        token.user = user
        return user, token
