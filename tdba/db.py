"""Database helpers for the hot paths of ingestion (docs/performance.md)."""

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import connection


@contextmanager
def bound_cursor() -> Iterator[psycopg.Cursor]:
    """A psycopg cursor on Django's PostgreSQL connection whose parameters the server binds itself.

    Django's cursor binds on the client (psycopg's ClientCursor): a statement carrying 1 MB of JSON is escaped in
    Python, then read back by PostgreSQL's SQL lexer as a 1 MB literal. Bound by the server, the document travels
    as a parameter, untouched. Same transaction as Django's cursor; errors are Django's (IntegrityError…). Not
    logged by Django (connection.queries).
    """
    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        yield cursor
