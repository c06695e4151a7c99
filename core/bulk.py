"""Inserting many rows of plain tuples: COPY on PostgreSQL, executemany elsewhere.

For sweeps that write thousands of rows a batch: no model instance and no per-value field
preparation per row (what `bulk_create` spends its time on). The caller gives database-ready
values for the columns it names (ints, strings, aware datetimes, dicts for JSON fields); every
other concrete column gets what a new model instance would hold, prepared once. No conflict
handling: use it for rows whose unique keys are new by construction.
"""

import json
from contextlib import nullcontext

from django.db import connection


def _preparer(field, postgres):
    """How one column's values reach the database, or None when they go as they are."""
    if field.get_internal_type() == "JSONField":
        return lambda value: None if value is None else json.dumps(value, cls=field.encoder)
    if postgres:
        return None  # psycopg dumps ints, strings and datetimes itself
    return lambda value: field.get_db_prep_save(value, connection)


def insert_rows(model, columns: list[str], rows: list[tuple]) -> int:
    """Insert `rows` (tuples in the order of `columns`, attribute names like `case_id`); returns the count."""
    if not rows:
        return 0
    postgres = connection.vendor == "postgresql"
    fields = {field.attname: field for field in model._meta.concrete_fields}
    # Columns not named get what a model instance would have: the default, "" for text, else NULL.
    rest = [field for name, field in fields.items() if name not in columns and not field.primary_key]
    names = [fields[name].column for name in columns] + [field.column for field in rest]
    tail = tuple((_preparer(f, postgres) or (lambda value: value))(f.get_default()) for f in rest)
    prepare = [(i, p) for i, name in enumerate(columns) if (p := _preparer(fields[name], postgres))]
    if prepare:
        rows = [list(row) for row in rows]
        for row in rows:
            for i, p in prepare:
                row[i] = p(row[i])
    rows = [(*row, *tail) for row in rows] if tail else rows
    quote = connection.ops.quote_name
    table, column_list = quote(model._meta.db_table), ", ".join(quote(name) for name in names)
    with connection.cursor() as cursor:
        if postgres:
            sql = f"COPY {table} ({column_list}) FROM STDIN"
            # COPY bypasses Django's execute(): log it like one, so query counts and debug pages see it.
            logged = cursor.debug_sql(sql) if hasattr(cursor, "debug_sql") else nullcontext()
            with logged, cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(names))
            cursor.executemany(f"INSERT INTO {table} ({column_list}) VALUES ({marks})", rows)
    return len(rows)
