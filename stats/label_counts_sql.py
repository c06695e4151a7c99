"""SQL for the label-count rollup triggers (stats.LabelStateCount), per database vendor.

PostgreSQL: statement-level triggers with transition tables, so a set-based UPDATE of
a whole batch costs one aggregate per statement, not one upsert per row; counter rows
are upserted in key order so concurrent statements lock them in the same order.
SQLite (the demo database): plain row-level triggers.
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
    SELECT appliance_model_id, state, count(*) FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (appliance_model_id, state) DO UPDATE SET n = {ROLLUP}.n + EXCLUDED.n;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE {ROLLUP} r SET n = r.n - d.c
    FROM (SELECT appliance_model_id, state, count(*) AS c FROM old_rows GROUP BY 1, 2) d
    WHERE r.appliance_model_id = d.appliance_model_id AND r.state = d.state;
  ELSE
    INSERT INTO {ROLLUP} (appliance_model_id, state, n)
    SELECT m, s, sum(d) FROM (
      SELECT appliance_model_id AS m, state AS s, -1 AS d FROM old_rows
      UNION ALL
      SELECT appliance_model_id, state, 1 FROM new_rows
    ) moved GROUP BY m, s HAVING sum(d) <> 0 ORDER BY m, s
    ON CONFLICT (appliance_model_id, state) DO UPDATE SET n = {ROLLUP}.n + EXCLUDED.n;
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

_PLUS_NEW = f"""INSERT INTO {ROLLUP} (appliance_model_id, state, n) VALUES (NEW.appliance_model_id, NEW.state, 1)
    ON CONFLICT (appliance_model_id, state) DO UPDATE SET n = n + 1;"""
_MINUS_OLD = (
    f"""UPDATE {ROLLUP} SET n = n - 1 WHERE appliance_model_id = OLD.appliance_model_id AND state = OLD.state;"""
)

SQLITE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS stats_label_count_ins AFTER INSERT ON {LABEL} BEGIN {_PLUS_NEW} END""",
    f"""CREATE TRIGGER IF NOT EXISTS stats_label_count_upd AFTER UPDATE OF state, appliance_model_id ON {LABEL}
    WHEN OLD.state IS NOT NEW.state OR OLD.appliance_model_id IS NOT NEW.appliance_model_id
    BEGIN {_MINUS_OLD} {_PLUS_NEW} END""",
    f"""CREATE TRIGGER IF NOT EXISTS stats_label_count_del AFTER DELETE ON {LABEL} BEGIN {_MINUS_OLD} END""",
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


def rebuild(connection):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Hold writers off the label table while it is recounted, so no change slips between.
            cursor.execute(f"LOCK TABLE {LABEL} IN SHARE MODE")
        for statement in REBUILD:
            cursor.execute(statement)
