"""Remediation's share of the personal-data retention (core.retention); open cases keep theirs."""

from datetime import datetime

from core.retention import blank

from .models import CasePhoto, Notification, RemediationCase, Stage


def purge_personal_data(cutoff: datetime) -> dict[str, int]:
    return {
        "cases": blank(
            RemediationCase.objects.filter(stage=Stage.CLOSED, closed_at__lt=cutoff),
            ["resident_phone", "address"],
        ),
        # SMS to residents (no recipient user): the number is the resident's.
        "case_photos": _delete_photos(CasePhoto.objects.filter(case__stage=Stage.CLOSED, case__closed_at__lt=cutoff)),
        "notifications": blank(Notification.objects.filter(recipient__isnull=True, created_at__lt=cutoff), ["address"]),
    }


def _delete_photos(photos) -> int:
    """Residents' photos of closed cases go with the file (a photo may show a home)."""
    count = 0
    for photo in photos.iterator():
        photo.file.delete(save=False)
        photo.delete()
        count += 1
    return count
