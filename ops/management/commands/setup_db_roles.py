"""Create or refresh the PostgreSQL role the app connects as (run after every `migrate`, as the owner)."""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from ops.db_roles import app_role_statements


class Command(BaseCommand):
    help = (
        "Create or refresh the PostgreSQL role web and workers connect as: read/write on rows, append-only on the "
        "audit log, no DDL, no TRUNCATE, no DISABLE TRIGGER. Run it with the owner's DATABASE_URL (the role that "
        "runs migrate) after each migrate; it is idempotent. --print-sql shows the SQL for a DBA instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--app-role", default="gaslabel_app", help="the role the app connects as")
        parser.add_argument(
            "--password-env",
            default="GASLABEL_APP_DB_PASSWORD",
            help="environment variable holding the app role's password (unset: the role's password is left alone)",
        )
        parser.add_argument("--print-sql", action="store_true", help="print the SQL instead of running it")

    def handle(self, *args, app_role, password_env, print_sql, **options):
        if connection.vendor != "postgresql":
            raise CommandError("database roles are a PostgreSQL feature: DATABASE_URL points at " + connection.vendor)
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_database()")
            owner, database = cursor.fetchone()
        if app_role == owner:
            raise CommandError("the app role must not be the owner that runs migrations")
        statements = app_role_statements(
            app_role=app_role, owner=owner, database=database, password=os.environ.get(password_env) or None
        )
        connection.ensure_connection()
        texts = [statement.as_string(connection.connection) for statement in statements]
        if print_sql:
            for text in texts:
                self.stdout.write(text + ";")
            return
        with transaction.atomic(), connection.cursor() as cursor:
            for text in texts:
                cursor.execute(text)
        self.stdout.write(f"role {app_role} may read and write {database} as {owner} set it up (audit log append-only)")
