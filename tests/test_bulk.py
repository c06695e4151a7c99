"""core.bulk: set-based inserts fill what they do not name as a new model instance would; ids go inline safely."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from audit.models import AuditEntry
from core.bulk import id_list, insert_select

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_insert_select_fills_the_other_columns_as_a_new_instance_would():
    rows = insert_select(
        AuditEntry,
        ["at", "action", "object_type", "object_id"],
        "SELECT %s AS at, 'case.note' AS action, 'remediationcase' AS object_type, '7' AS object_id, 2 AS n "
        "UNION ALL SELECT %s, 'case.closed', 'remediationcase', '8', 1",
        [connection.ops.adapt_datetimefield_value(AT)] * 2,
        order_by="q.n",
        returning=["id", "object_id"],
    )
    assert [object_id for _pk, object_id in rows] == ["8", "7"]  # in order_by's order, ids ascending
    assert rows[0][0] < rows[1][0]
    entry = AuditEntry.objects.get(pk=rows[1][0])
    fresh = AuditEntry()
    assert (entry.at, entry.action, entry.object_id) == (AT, "case.note", "7")
    for name in ["object_repr", "from_state", "to_state", "actor_id", "actor_name", "organization_id", "source"]:
        assert getattr(entry, name) == getattr(fresh, name), name
    assert (entry.ip_address, entry.detail) == (None, "")


def test_id_list_writes_integers_only():
    assert id_list([3, 1, "2"]) == "3, 1, 2"
    with pytest.raises(ValueError):
        id_list(["1) OR (1 = 1"])
