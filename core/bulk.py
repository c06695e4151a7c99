"""Inserting many rows set-based: INSERT … SELECT, the database computing the rows.

For sweeps that write thousands of rows a batch: no model instance, no Python and no parameter per row
(what `bulk_create`, and even COPY of Python tuples, spend their time on). The caller gives a SELECT whose
columns are named like the model's attributes (`case_id`); every other concrete column gets what a new
model instance would hold (the default, "" for text, else NULL), prepared once. No conflict handling:
use it for rows whose unique keys are new by construction. Plain SQL that PostgreSQL and SQLite both read.
"""

from django.db import connection


def insert_select(
    model,
    columns: list[str],
    select_sql: str,
    params: list,
    *,
    order_by: str = "",
    returning: list[str] | None = None,
) -> list[tuple] | int:
    """INSERT INTO the model's table the rows of `select_sql`, in `order_by` (its column names) order.

    Returns the `returning` columns of the new rows (ids, say), or the count of rows inserted.
    """
    fields = {field.attname: field for field in model._meta.concrete_fields}
    rest = [field for name, field in fields.items() if name not in columns and not field.primary_key]
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name in [fields[name].column for name in columns] + [f.column for f in rest])
    picked = ", ".join([f"q.{quote(name)}" for name in columns] + ["%s"] * len(rest))
    defaults = [field.get_db_prep_save(field.get_default(), connection) for field in rest]
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) SELECT {picked} FROM ({select_sql}) q"
    if order_by:
        sql += f" ORDER BY {order_by}"  # ids follow this order (one sequence, one statement)
    if returning:
        sql += " RETURNING " + ", ".join(quote(fields[name].column) for name in returning)
    with connection.cursor() as cursor:
        # The defaults come first in the text (SELECT list), then the subquery's parameters.
        cursor.execute(sql, defaults + list(params))
        return cursor.fetchall() if returning else cursor.rowcount
