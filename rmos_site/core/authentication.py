"""API token authentication in one query.

Keys are stored only as their SHA-256 (``rmos_site.core.models.ApiToken``, ``rmos_site.core.tokens``), so the
key a client sends is hashed and looked up by its hash. DRF's ``TokenAuthentication`` would load the token and
its user with the ORM, and the role check then the user's groups with a second query; here one statement reads
the token, its user and the names of the user's groups, with the same outcomes as DRF's class: an unknown key
or an inactive user is a 401 with DRF's messages, and a valid key yields ``(user, token)``.
"""

from functools import cache

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from rmos_site.core.models import ApiToken
from rmos_site.core.roles import remember_roles
from rmos_site.core.tokens import MAX_KEY_LENGTH, key_digest


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
        f'SELECT t."{ApiToken._meta.pk.column}", t."created", {columns}, ARRAY('
        f'SELECT g."name" FROM "{through.db_table}" ug '
        f'JOIN "{group_table}" g ON g."id" = ug."{groups.m2m_reverse_name()}" '
        f'WHERE ug."{groups.m2m_column_name()}" = u."{user_model._meta.pk.column}") '
        f'FROM "{ApiToken._meta.db_table}" t JOIN "{user_model._meta.db_table}" u '
        f'ON u."{user_model._meta.pk.column}" = t."{ApiToken._meta.get_field("user").column}" '
        f'WHERE t."{ApiToken._meta.get_field("key_sha256").column}" = %s'
    )
    return sql, fields


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``; the user comes back with its roles already known."""

    def authenticate_credentials(self, key):
        # A key that cannot be an issued key is refused without a query.
        if len(key) > MAX_KEY_LENGTH or "\x00" in key:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        sql, fields = _statement()
        alias = router.db_for_read(ApiToken)
        digest = key_digest(key)
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, [digest])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token_id, created, *values, group_names = row
        user = get_user_model().from_db(alias, fields, values)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        remember_roles(user, group_names)
        token = ApiToken.from_db(
            alias, ("id", "key_sha256", "user_id", "created"), (token_id, digest, user.pk, created)
        )
        token.user = user
        return user, token
