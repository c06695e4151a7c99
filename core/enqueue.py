"""Queueing Celery tasks so that a broker outage never fails the user's request.

The database row is the source of truth (a notification with sent_at NULL, a batch still
`generating`, a pending deadline); the task is only the nudge. If the broker cannot take
it, we log and move on, and a periodic sweep re-queues whatever is still waiting once the
broker is back (remediation.notifications.requeue_unsent, cases.tasks.resume_stalled_batches).
"""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def send_safely(task, *args, **kwargs):
    """task.delay(...) that logs instead of raising when the broker is unreachable; True if queued."""
    try:
        task.delay(*args, **kwargs)
        return True
    except Exception as exc:  # kombu OperationalError, connection refused, DNS…: never the user's problem
        logger.warning("could not queue %s (%s): left for the periodic sweep", task.name, exc)
        return False


def enqueue_on_commit(task, *args, **kwargs):
    """Queue the task after the current transaction commits (it must see the committed rows)."""
    transaction.on_commit(lambda: send_safely(task, *args, **kwargs))
