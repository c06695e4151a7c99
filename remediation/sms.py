"""Pluggable SMS backends, chosen by settings.SMS_BACKEND (a dotted path; console by default)."""

import sys

from django.conf import settings
from django.utils.module_loading import import_string

from accounts.pii import mask_phone

DEFAULT_BACKEND = "remediation.sms.ConsoleBackend"


class ConsoleBackend:
    """Writes each message to stdout, like Django's console mail backend."""

    def send(self, phone, text):
        # stdout ends up in logs: residents' numbers are personal data, so only the masked form.
        sys.stdout.write(f"SMS to {mask_phone(phone)}: {text}\n")
        sys.stdout.flush()


# Messages sent through LocmemBackend, for tests (like django.core.mail.outbox).
outbox = []


class LocmemBackend:
    def send(self, phone, text):
        outbox.append((phone, text))


def get_backend():
    return import_string(getattr(settings, "SMS_BACKEND", DEFAULT_BACKEND))()


def send_sms(phone, text):
    get_backend().send(phone, text)
