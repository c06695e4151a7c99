"""Shared by the PostgreSQL benchmarks: make the database they run in, and point Django at it."""

import os
from urllib.parse import urlparse

import psycopg


def create_database(url, recreate=False):
    """Create the database named in `url` (dropping it first when `recreate`); keep it if it exists."""
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if recreate:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url, recreate=False):
    """Create the database (see create_database), set Django up on it and migrate it fully."""
    create_database(url, recreate=recreate)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django  # here, not above: the settings read DATABASE_URL when Django is set up

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
