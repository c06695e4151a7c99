"""Demo work permits for the demo workers (called from demo.city.seed_demo): known numbers to type."""

from datetime import date

from accounts.models import User
from field.models import WorkPermit

# username, permit number, kind
DEMO_PERMITS = [
    ("installer", "AZ2026-000001", WorkPermit.Kind.INSTALLATION),
    ("installer2", "AZ2026-000002", WorkPermit.Kind.INSTALLATION),
    ("igniter", "DH2026-000001", WorkPermit.Kind.IGNITION),
]


def seed_field_demo():
    """Create (or restore) the demo permits; returns (username, number, kind label) rows."""
    rows = []
    for username, number, kind in DEMO_PERMITS:
        holder = User.objects.select_related("organization").get(username=username)
        WorkPermit.objects.update_or_create(
            number=number,
            defaults={
                "holder": holder,
                "holder_name": holder.get_full_name() or holder.username,
                "company": holder.organization,
                "kind": kind,
                "valid_from": date(2024, 1, 1),
                "valid_until": date(2028, 12, 31),
                "revoked_at": None,
                "revoked_reason": "",
            },
        )
        rows.append((username, number, WorkPermit.Kind(kind).label))
    return rows


def permit_lines():
    """What seed_demo prints about the permits."""
    lines = ["Work permits (上岗证) of the demo workers:"]
    lines += [f"  {username:<12} {number}  ({WorkPermit.Kind(kind).label})" for username, number, kind in DEMO_PERMITS]
    return lines
