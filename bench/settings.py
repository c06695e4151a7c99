"""Settings for the benchmarks' servers: the project's own, with a URLconf that adds one bench-only view.

    DJANGO_SETTINGS_MODULE=bench.settings gunicorn project.wsgi …   (bench/scan.py does this)

Same middleware, same everything else; only ROOT_URLCONF differs (bench/urls.py), so the
constant view never exists in the deployed app.
"""

from project.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
