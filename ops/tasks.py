"""The queue heartbeat: beat sends one to every queue; the worker that consumes it records it."""

from celery import shared_task

from .heartbeats import queue_heartbeat_name, record_finished


# Idempotent (it only moves a timestamp forward) and worthless once late: the beat entry gives it an
# expiry of one period, so heartbeats do not pile up in a queue nobody consumes.
@shared_task(acks_late=True, ignore_result=True, soft_time_limit=20, time_limit=30)
def queue_heartbeat(queue: str) -> None:
    record_finished(name=queue_heartbeat_name(queue))
