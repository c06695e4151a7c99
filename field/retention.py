"""Field records' share of the personal-data retention (core.retention): residents' phones, addresses and free text."""

from datetime import datetime

from core.retention import blank

from .models import Booking, WorkRecord


def purge_personal_data(cutoff: datetime) -> dict[str, int]:
    return {
        "work_records": blank(WorkRecord.objects.filter(at__lt=cutoff), ["resident_phone", "comment"]),
        "bookings": blank(Booking.objects.filter(created_at__lt=cutoff), ["resident_phone", "address", "note"]),
    }
