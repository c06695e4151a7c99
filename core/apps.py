from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared plumbing with no models: hooks, retention, and their Celery task."""

    name = "core"
    verbose_name = "core"
