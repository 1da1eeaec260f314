"""Shared by the benchmarks."""

from __future__ import annotations


def fresh_postgres(base_url: str, name: str) -> str:
    """Drops and creates database ``name`` on the server of ``base_url``; returns its URL."""
    import psycopg

    server = base_url.rsplit("/", 1)[0]
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"
