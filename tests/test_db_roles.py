"""The app's PostgreSQL role (ops/db_roles.py, `manage.py setup_db_roles`): reads and writes rows, appends to
the audit log, and is refused UPDATE/DELETE/TRUNCATE on it, ALTER TABLE, DISABLE TRIGGER and switching triggers
off. A real role on the shared server: a unique name, dropped at the end."""

import secrets
import uuid

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from audit.models import AuditEntry

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def app_role(monkeypatch):
    name = f"gl_test_app_{uuid.uuid4().hex[:12]}"
    password = secrets.token_urlsafe(16)
    monkeypatch.setenv("GASLABEL_APP_DB_PASSWORD", password)
    call_command("setup_db_roles", app_role=name)
    call_command("setup_db_roles", app_role=name)  # idempotent: a second run after the next migrate
    yield name, password
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{name}"')
        cursor.execute(f'DROP ROLE "{name}"')


def connect_as(role, password):
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        dbname=db["NAME"],
        user=role,
        password=password,
        autocommit=True,
    )


def refused(conn, statement):
    """Run `statement` as the app role; the refusal's message (psycopg raises on a refused privilege)."""
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as exc, conn.cursor() as cursor:
        cursor.execute(statement)
    return str(exc.value)


def test_app_role_writes_rows_but_cannot_touch_the_audit_log_or_the_schema(app_role):
    AuditEntry.objects.create(at=timezone.now(), action="test.seed", object_type="test", object_id="1")
    with connect_as(*app_role) as conn:
        with conn.cursor() as cursor:
            cursor.execute("SELECT current_user, count(*) FROM audit_auditentry")
            user, count = cursor.fetchone()
            assert user == app_role[0] and count == 1
            # Append is allowed (every service writes its audit row in its own transaction).
            cursor.execute(
                "INSERT INTO audit_auditentry (at, action, object_type, object_id, object_repr, from_state, to_state,"
                " actor_name, source, detail) SELECT at, 'test.append', object_type, object_id, object_repr,"
                " from_state, to_state, actor_name, source, detail FROM audit_auditentry"
            )
            # Ordinary tables: read, insert, update, delete.
            cursor.execute("INSERT INTO ops_heartbeat (name) VALUES ('role-test')")
            cursor.execute("UPDATE ops_heartbeat SET finished_at = now() WHERE name = 'role-test'")
            cursor.execute("DELETE FROM ops_heartbeat WHERE name = 'role-test'")
            assert cursor.rowcount == 1
        for statement in (
            "UPDATE audit_auditentry SET detail = 'rewritten'",
            "DELETE FROM audit_auditentry",
            "TRUNCATE audit_auditentry",
        ):
            # The role's own privilege refuses, before the append-only trigger is reached.
            assert "permission denied for table audit_auditentry" in refused(conn, statement)
        for statement in (
            "ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only",
            "ALTER TABLE audit_auditentry DISABLE TRIGGER ALL",
            "ALTER TABLE ops_heartbeat ADD COLUMN sneaky integer",
            "DROP TABLE ops_heartbeat",
        ):
            assert "must be owner" in refused(conn, statement)
        assert "permission denied" in refused(conn, "SET session_replication_role = replica")
        assert "permission denied" in refused(conn, "CREATE TABLE public.sneaky (id int)")
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == ["test.seed", "test.append"]


def test_print_sql_is_what_a_dba_can_run(capsys):
    call_command("setup_db_roles", app_role="gaslabel_app", print_sql=True)
    out = capsys.readouterr().out
    assert 'REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON "audit_auditentry" FROM "gaslabel_app";' in out
    assert "ALTER DEFAULT PRIVILEGES FOR ROLE" in out
