"""Shared by the PostgreSQL benchmarks: make the database they run in."""

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
