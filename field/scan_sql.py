"""The scan path's read as one prepared SQL statement on a cursor, and its log write as one statement.

The ORM rebuilt and compiled the six-table look-up (and the history query) on every scan: about 9 ms of
Python against 3 ms for the same SQL on a cursor (issue 19). Here the statement is written once per
database vendor from the models' own metadata and the fields the scan reads (_LABEL_PARTS), and rows become
the model instances select_related would give with those fields (values through the backend's converters,
relations cached; the rest deferred), so the page, the API, the linkset and the lifecycle rules read them
without a further query.
"""

from contextlib import nullcontext
from functools import cache

from django.db import InterfaceError, OperationalError, connection

try:  # psycopg 3: a cursor that binds on the server can use a prepared statement (psycopg2 cannot)
    from django.db.backends.postgresql.base import ServerBindingCursor
except (ImportError, AttributeError):  # no PostgreSQL driver here (SQLite only), or psycopg2
    ServerBindingCursor = None

from accounts.models import Organization
from cases.models import ApplianceModel, Label, Recall

from .models import Ignition, Sale, ScanLog, WorkRecord

# What the scan shows and decides from, per model: the page, the API, the linkset, the lifecycle rules and the
# recall rule read only these (a field left out would be a deferred load, a query per scan: the query-count tests
# of both endpoints in every state catch that). Nothing a resident may not see is read (a resident's phone, a
# licence number), and fewer columns are fewer values to load and fewer objects to fill.
_ORG = ("id", "name")
_MODEL = tuple(
    "id manufacturer_id brand model_number category gas_category gtin ccc_certificate_number other_certificates "
    "digital_link is_recalled recall_note".split()
)
_RECALL = ("id", "scope", "appliance_model_id", "reason", "recalled_on", "lifted_at")
_IGNITION = ("id", "label_id", "company_id", "at", "district", "supply_gas_category")
_RECORD = ("id", "label_id", "kind", "company_id", "district", "at", "rating")
# (alias, model, the fields read, join onto an earlier alias, the relation to cache: (field, forward?) on the parent)
_LABEL_PARTS = (
    ("l", Label, None, "", None, None),  # all of them: the state machine and the rules read the label
    ("m", ApplianceModel, _MODEL, "JOIN {t} m ON m.id = l.appliance_model_id", "l", (Label, "appliance_model")),
    ("mk", Organization, _ORG, "JOIN {t} mk ON mk.id = m.manufacturer_id", "m", (ApplianceModel, "manufacturer")),
    ("r", Recall, _RECALL, "LEFT JOIN {t} r ON r.id = l.recall_id", "l", (Label, "recall")),
    ("s", Sale, ("id", "label_id", "dealer_id", "at"), "LEFT JOIN {t} s ON s.label_id = l.id", "l", (Sale, "label")),
    ("sd", Organization, _ORG, "LEFT JOIN {t} sd ON sd.id = s.dealer_id", "s", (Sale, "dealer")),
    ("i", Ignition, _IGNITION, "LEFT JOIN {t} i ON i.label_id = l.id", "l", (Ignition, "label")),
    ("ic", Organization, _ORG, "LEFT JOIN {t} ic ON ic.id = i.company_id", "i", (Ignition, "company")),
)
# The installation and repair history comes in the same statement (one row per record, the label's columns
# repeated; a label has a handful of records at most): one round trip instead of two.
_HISTORY_PARTS = (
    ("w", WorkRecord, _RECORD, "LEFT JOIN {t} w ON w.label_id = l.id", None, None),
    ("c", Organization, _ORG, "LEFT JOIN {t} c ON c.id = w.company_id", "w", (WorkRecord, "company")),
)
_LABEL_ALIASES = frozenset(part[0] for part in _LABEL_PARTS)
_HISTORY_ALIASES = frozenset(part[0] for part in _HISTORY_PARTS)


class _Prepared:
    """One SELECT over `parts`, with per-column converters and the slices each model's columns occupy."""

    def __init__(self, parts: tuple, where: str) -> None:
        quote = connection.ops.quote_name
        columns, joins, self.spans = [], [], []
        self.converters = []  # (column index, the backend's and the field's converters, the column)
        for alias, model, names, join, _parent, _relation in parts:
            fields = [f for f in model._meta.concrete_fields if names is None or f.attname in names]
            if names is not None and len(fields) != len(names):  # a misspelt or removed field: say so, not defer it
                raise LookupError(
                    f"{model.__name__} has no field among {sorted(set(names) - {f.attname for f in fields})}"
                )
            self.spans.append((model, [f.attname for f in fields], len(columns), len(columns) + len(fields)))
            for f in fields:
                col = f.get_col(alias)
                converters = connection.ops.get_db_converters(col) + f.get_db_converters(connection)
                if converters:
                    self.converters.append((len(columns), converters, col))
                columns.append(f"{alias}.{quote(f.column)}")
            table = quote(model._meta.db_table)
            joins.append(join.format(t=table) if join else f"{table} {alias}")
        self.parts = parts
        self.sql = f"SELECT {', '.join(columns)} FROM {' '.join(joins)} WHERE {where}"

    def rows(self, params: list) -> list[tuple]:
        return prepared_rows(self.sql, params)

    def instances(self, row: tuple, aliases: frozenset[str]) -> dict:
        """The model instances of the parts named in `aliases` from one row, relations among them cached."""
        values = list(row)
        for i, converters, col in self.converters:
            for converter in converters:
                values[i] = converter(values[i], col, connection)
        objects = {}
        for (alias, _model, _names, _join, parent, relation), (model, names, start, end) in zip(
            self.parts, self.spans, strict=True
        ):
            if alias not in aliases:
                continue
            pk = values[start + names.index(model._meta.pk.attname)]
            obj = model.from_db(connection.alias, names, values[start:end]) if pk is not None else None
            objects[alias] = obj
            if parent is None or objects[parent] is None:
                continue
            owner, name = relation
            field = owner._meta.get_field(name)
            if owner is objects[parent].__class__:  # a foreign key of the parent: cache it there
                field.set_cached_value(objects[parent], obj)
            else:  # the parent's reverse one-to-one (its sale, its ignition): None is cached too, as select_related does
                field.remote_field.set_cached_value(objects[parent], obj)
                if obj is not None:
                    field.set_cached_value(obj, objects[parent])
        return objects


def prepared_rows(sql: str, params: list) -> list[tuple]:
    """The rows of a read, prepared on PostgreSQL, on a connection this statement proves usable.

    Django's health check (CONN_HEALTH_CHECKS) costs a `SELECT 1` round trip before a request's first
    statement; a read is safe to run again, so it runs unchecked and, when it finds the connection closed
    by the server (a restart, pg_terminate_backend), runs once more on a new one. Its success is the
    request's health check: a later statement (the scan log) does not pay for one either.
    """
    try:
        rows = _fetch(sql, params)
    except (OperationalError, InterfaceError):
        if connection.in_atomic_block or connection.is_usable():
            raise  # a real error, or a broken transaction that is not ours to restart
        connection.close()
        rows = _fetch(sql, params)
    connection.health_check_done = True
    return rows


def _fetch(sql: str, params: list) -> list[tuple]:
    if ServerBindingCursor is None or connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    cursor = _lookup_cursor()
    cursor.execute(sql, params)
    return cursor.fetchall()


if ServerBindingCursor is not None:

    class _PreparedCursor(ServerBindingCursor):
        """Prepares its statements on the server (once per connection; psycopg keeps them): planning the
        ten-table look-up took 1.3 ms of its 1.45 ms on PostgreSQL 15, the plan of a unique look-up never
        changes. Django leaves prepare_threshold unset (for transaction-mode poolers); this one cursor
        opts in. Behind such a pooler use PgBouncer ≥ 1.21 with max_prepared_statements set."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)


def _cursor():
    """A Django cursor (so it is counted and logged like any other) that prepares on PostgreSQL."""
    if ServerBindingCursor is None or connection.vendor != "postgresql":
        return connection.cursor()
    # As Django's own cursor() does (CONN_HEALTH_CHECKS): a no-op once the request's check is done.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    return connection._prepare_cursor(_PreparedCursor(_preparing(connection.connection)))


def _preparing(raw):
    """The psycopg connection, with preparing allowed for the cursors that ask (ours)."""
    if raw.prepare_threshold is None:  # None turns preparing off altogether, prepare=True included
        raw.prepare_threshold = _ONLY_WHEN_ASKED
    return raw


def _lookup_cursor():
    """The look-up's cursor, kept open on its connection (PostgreSQL): a new psycopg cursor builds its type loaders
    again for the hundred columns, about 50 µs a scan. Only prepared_rows uses it, one statement at a time, and it
    is fetched to the end each time; a new connection (a reconnect, another thread) gets its own."""
    connection.ensure_connection()
    raw = connection.connection
    kept = getattr(connection, "scan_lookup_cursor", None)
    if kept is None or kept[0] is not raw or kept[1].closed:
        kept = connection.scan_lookup_cursor = (raw, _PreparedCursor(_preparing(raw)))
    return connection._prepare_cursor(kept[1])  # counted and logged like any other cursor's statements


# Django's own cursors bind on the client and never prepare; a threshold this high keeps it so for any
# server-binding cursor but ours, which asks.
_ONLY_WHEN_ASKED = 2**31


@cache
def _scan_query(vendor: str) -> _Prepared:
    return _Prepared(_LABEL_PARTS + _HISTORY_PARTS, "l.serial = %s ORDER BY w.at, w.id")


def scan_rows(serial: str) -> list[tuple]:
    """The look-up's rows as the database gives them (the label's id first): one query."""
    return _scan_query(connection.vendor).rows([serial])


def label_and_history(serial: str) -> tuple[Label | None, list[WorkRecord]]:
    """The label with its model, maker, recall, sale (and dealer), ignition (and company), and its installation
    and repair records oldest first, each with its company: one query."""
    query = _scan_query(connection.vendor)
    rows = query.rows([serial])
    if not rows:
        return None, []
    label = query.instances(rows[0], _LABEL_ALIASES)["l"]
    records = []
    label_field = WorkRecord._meta.get_field("label")
    for row in rows:
        record = query.instances(row, _HISTORY_ALIASES)["w"]
        if record is not None:  # a label without records still has its one row
            label_field.set_cached_value(record, label)
            records.append(record)
    return label, records


LOG_FIELDS = ("label_id", "code", "verdict", "channel", "role", "network", "device", "at")


@cache
def _log_columns() -> str:
    quote = connection.ops.quote_name
    return ", ".join(quote(ScanLog._meta.get_field(name).column) for name in LOG_FIELDS)


@cache
def _log_insert_sql() -> str:
    quote = connection.ops.quote_name
    columns = _log_columns()
    placeholders = ", ".join(["%s"] * len(LOG_FIELDS))
    # set_config(..., true) lasts to the end of this statement's own transaction, i.e. its commit: the one
    # row is acknowledged without waiting for the WAL flush. Referenced in FROM so it is evaluated.
    return (
        f"WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true)) "
        f"INSERT INTO {quote(ScanLog._meta.db_table)} ({columns}) SELECT {placeholders} FROM relaxed"
    )


def insert_scan_log(**values: object) -> None:
    """One scan-log row in one statement, committed without waiting for the disk on PostgreSQL.

    A crash (of PostgreSQL or the machine) can lose the last ~0.6 s (3 × wal_writer_delay) of acknowledged
    scan-log rows; it can never change an answer, since the answer was read before and the log is only
    evidence and statistics. The transaction must be this statement's own (autocommit): inside an outer
    atomic block the relaxed commit would also cover that block's writes, so it falls back to the ORM there.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        ScanLog.objects.create(**values)
        return
    field_values = [values.get(name) for name in LOG_FIELDS]
    with _cursor() as cursor:
        cursor.execute(_log_insert_sql(), field_values)


def copy_scan_logs(rows: list[tuple]) -> None:
    """Many scan-log rows (values in LOG_FIELDS order) in one COPY: the batched writer's statement (PostgreSQL)."""
    sql = f"COPY {connection.ops.quote_name(ScanLog._meta.db_table)} ({_log_columns()}) FROM STDIN"
    with connection.cursor() as cursor:
        # COPY bypasses Django's execute(): log it like one, so query counts and debug pages see it.
        logged = cursor.debug_sql(sql) if hasattr(cursor, "debug_sql") else nullcontext()
        with logged, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
