"""PostgreSQL roles: the owner migrates, the app reads and writes rows and nothing more.

The owner (the role that runs `migrate`, owner of every table) keeps DDL to itself. The app role, the one
web and workers connect as, gets SELECT/INSERT/UPDATE/DELETE on the tables and USAGE on their sequences,
but on the audit log only SELECT and INSERT. Not owning any table, it cannot ALTER a table, DISABLE TRIGGER
(the audit log's append-only trigger), or TRUNCATE; not a superuser, it cannot switch triggers off with
session_replication_role. Default privileges make tables created by later migrations follow the same rule.
"""

from psycopg import sql

AUDIT_TABLES = ("audit_auditentry",)


def app_role_statements(*, app_role: str, owner: str, database: str, password: str | None) -> list[sql.Composed]:
    """The SQL (idempotent, in order) that creates or refreshes `app_role`; run it as `owner` or a superuser."""
    role, owner_id, schema = sql.Identifier(app_role), sql.Identifier(owner), sql.Identifier("public")
    login = sql.SQL("LOGIN PASSWORD {}").format(sql.Literal(password)) if password else sql.SQL("LOGIN")
    create = sql.SQL(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {name}) THEN CREATE ROLE {role}; END IF; END $$"
    ).format(name=sql.Literal(app_role), role=role)
    statements = [
        create,
        sql.SQL("ALTER ROLE {role} {login}").format(role=role, login=login),
        # An existing role with powers of its own would defeat the point: refuse rather than demote it silently.
        sql.SQL(
            "DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = {name} AND (rolsuper OR rolbypassrls "
            "OR rolcreaterole OR rolcreatedb)) THEN RAISE EXCEPTION 'role % has powers an app role must not have', "
            "{name}; END IF; END $$"
        ).format(name=sql.Literal(app_role)),
        sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {role}").format(db=sql.Identifier(database), role=role),
        sql.SQL("REVOKE CREATE ON SCHEMA {schema} FROM {role}").format(schema=schema, role=role),
        sql.SQL("GRANT USAGE ON SCHEMA {schema} TO {role}").format(schema=schema, role=role),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}").format(
            schema=schema, role=role
        ),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}").format(schema=schema, role=role),
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
            "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}"
        ).format(owner=owner_id, schema=schema, role=role),
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {role}"
        ).format(owner=owner_id, schema=schema, role=role),
    ]
    for table in AUDIT_TABLES:
        # Append-only: read and add, never change, remove or empty (the trigger refuses the owner too).
        statements.append(
            sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {table} FROM {role}").format(
                table=sql.Identifier(table), role=role
            )
        )
    return statements
