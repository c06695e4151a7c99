"""PUBLIC_BASE_URL is printed into every QR code: a loopback address there makes labels no phone can open."""

import ipaddress
import logging
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def warn_if_loopback(what: str = "labels") -> bool:
    """Log a warning when printing with a loopback PUBLIC_BASE_URL; True if it warned.

    Printing code calls this before drawing QR codes, so the warning lands in the log of whichever
    process (web or worker) prints.
    """
    if not is_loopback(settings.PUBLIC_BASE_URL):
        return False
    logger.warning(
        "printing %s whose QR codes carry PUBLIC_BASE_URL=%s, a loopback address no phone can reach; "
        "set PUBLIC_BASE_URL to the address residents' phones will open",
        what,
        settings.PUBLIC_BASE_URL,
    )
    return True
