"""SQL for the label-count rollup triggers (stats.LabelStateCount), per database vendor.

The rollup is append-only between compactions: a trigger INSERTs delta rows (model, state, ±n) and never
updates a shared counter row, so label changes of one model take no common lock (they used to upsert the
same counter rows, in different orders across the statements of one transaction: deadlocks, and every
change of one model serialised behind the others). Readers SUM(n) per key, which is exact at any moment.
`compact()` (periodic task, and `refresh_stats`) folds the deltas into one row per key.

PostgreSQL: statement-level triggers with transition tables, so a set-based UPDATE of a whole batch costs
one aggregate per statement, not one row per label. SQLite (the demo database): plain row-level triggers.
"""

ROLLUP = "stats_labelstatecount"
LABEL = "cases_label"

POSTGRES_CREATE = f"""
CREATE OR REPLACE FUNCTION stats_label_count_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM {ROLLUP};
  ELSIF TG_OP = 'INSERT' THEN
    INSERT INTO {ROLLUP} (appliance_model_id, state, n)
    SELECT appliance_model_id, state, count(*) FROM new_rows GROUP BY 1, 2;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO {ROLLUP} (appliance_model_id, state, n)
    SELECT appliance_model_id, state, -count(*) FROM old_rows GROUP BY 1, 2;
  ELSE
    INSERT INTO {ROLLUP} (appliance_model_id, state, n)
    SELECT m, s, sum(d) FROM (
      SELECT appliance_model_id AS m, state AS s, -1 AS d FROM old_rows
      UNION ALL
      SELECT appliance_model_id, state, 1 FROM new_rows
    ) moved GROUP BY m, s HAVING sum(d) <> 0;
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS stats_label_count_ins ON {LABEL};
DROP TRIGGER IF EXISTS stats_label_count_upd ON {LABEL};
DROP TRIGGER IF EXISTS stats_label_count_del ON {LABEL};
DROP TRIGGER IF EXISTS stats_label_count_trunc ON {LABEL};
CREATE TRIGGER stats_label_count_ins AFTER INSERT ON {LABEL}
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_label_count_apply();
CREATE TRIGGER stats_label_count_upd AFTER UPDATE ON {LABEL}
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_label_count_apply();
CREATE TRIGGER stats_label_count_del AFTER DELETE ON {LABEL}
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_label_count_apply();
CREATE TRIGGER stats_label_count_trunc AFTER TRUNCATE ON {LABEL}
  FOR EACH STATEMENT EXECUTE FUNCTION stats_label_count_apply();
"""

POSTGRES_DROP = f"""
DROP TRIGGER IF EXISTS stats_label_count_ins ON {LABEL};
DROP TRIGGER IF EXISTS stats_label_count_upd ON {LABEL};
DROP TRIGGER IF EXISTS stats_label_count_del ON {LABEL};
DROP TRIGGER IF EXISTS stats_label_count_trunc ON {LABEL};
DROP FUNCTION IF EXISTS stats_label_count_apply();
"""

_PLUS_NEW = f"""INSERT INTO {ROLLUP} (appliance_model_id, state, n) VALUES (NEW.appliance_model_id, NEW.state, 1);"""
_MINUS_OLD = f"""INSERT INTO {ROLLUP} (appliance_model_id, state, n) VALUES (OLD.appliance_model_id, OLD.state, -1);"""

# A deleted label takes back only what was counted: when the rollup itself was emptied first (Django's test
# flush deletes tables in no fixed order), a -1 row would outlive its appliance model (a foreign-key error at
# commit) and leave a negative count behind. A counted label always has a row under its key.
_MINUS_OLD_IF_COUNTED = f"""INSERT INTO {ROLLUP} (appliance_model_id, state, n)
SELECT OLD.appliance_model_id, OLD.state, -1 WHERE EXISTS (
  SELECT 1 FROM {ROLLUP} WHERE appliance_model_id = OLD.appliance_model_id AND state = OLD.state);"""

SQLITE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS stats_label_count_ins AFTER INSERT ON {LABEL} BEGIN {_PLUS_NEW} END""",
    f"""CREATE TRIGGER IF NOT EXISTS stats_label_count_upd AFTER UPDATE OF state, appliance_model_id ON {LABEL}
    WHEN OLD.state IS NOT NEW.state OR OLD.appliance_model_id IS NOT NEW.appliance_model_id
    BEGIN {_MINUS_OLD} {_PLUS_NEW} END""",
    f"""CREATE TRIGGER IF NOT EXISTS stats_label_count_del AFTER DELETE ON {LABEL} BEGIN {_MINUS_OLD_IF_COUNTED} END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS stats_label_count_ins",
    "DROP TRIGGER IF EXISTS stats_label_count_upd",
    "DROP TRIGGER IF EXISTS stats_label_count_del",
]

# Recount from scratch (after a restore, or to check the triggers): one GROUP BY.
REBUILD = [
    f"DELETE FROM {ROLLUP}",
    f"INSERT INTO {ROLLUP} (appliance_model_id, state, n) SELECT appliance_model_id, state, count(*) FROM {LABEL} GROUP BY appliance_model_id, state",
]


def create_triggers(connection):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRES_CREATE)
        elif connection.vendor == "sqlite":
            for statement in SQLITE_CREATE:
                cursor.execute(statement)
        else:  # pragma: no cover - only PostgreSQL and SQLite are supported
            raise NotImplementedError(connection.vendor)


def drop_triggers(connection):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRES_DROP)
        else:
            for statement in SQLITE_DROP:
                cursor.execute(statement)


def triggers_present(connection):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'stats_label_count_%%' AND NOT tgisinternal"
            )
            return cursor.fetchone()[0] == 4
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'stats_label_count_%'")
        return cursor.fetchone()[0] == 3


# One statement, one snapshot: exactly the rows it deletes are summed back, whatever commits meanwhile.
# Keys with a single row are left alone; a key that sums to zero disappears.
POSTGRES_COMPACT = f"""
WITH folded AS (
  DELETE FROM {ROLLUP} r
  WHERE (r.appliance_model_id, r.state) IN (
    SELECT appliance_model_id, state FROM {ROLLUP} GROUP BY 1, 2 HAVING count(*) > 1 OR sum(n) = 0
  )
  RETURNING r.appliance_model_id, r.state, r.n
)
INSERT INTO {ROLLUP} (appliance_model_id, state, n)
SELECT appliance_model_id, state, sum(n) FROM folded GROUP BY 1, 2 HAVING sum(n) <> 0
"""
# SQLite has one writer at a time: up to a fixed id, inside the caller's transaction.
SQLITE_COMPACT = [
    f"""INSERT INTO {ROLLUP} (appliance_model_id, state, n)
    SELECT appliance_model_id, state, sum(n) FROM {ROLLUP} WHERE id <= %s GROUP BY 1, 2 HAVING sum(n) <> 0""",
    f"DELETE FROM {ROLLUP} WHERE id <= %s",
]


def compact(connection) -> None:
    """Fold the delta rows into one row per (model, state); the sums do not change."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRES_COMPACT)
            return
        cursor.execute(f"SELECT max(id) FROM {ROLLUP}")
        last = cursor.fetchone()[0]
        if last is not None:
            for statement in SQLITE_COMPACT:
                cursor.execute(statement, [last])


def rebuild(connection):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Hold writers off the label table while it is recounted, so no change slips between.
            cursor.execute(f"LOCK TABLE {LABEL} IN SHARE MODE")
        for statement in REBUILD:
            cursor.execute(statement)
