"""Model fields shared by the apps."""

from django.db import models
from django.db.models.fields.json import KeyTransform, KeyTransformFactory
from django.db.models.functions import Cast


class JsonTextField(models.JSONField):
    """A JSONField stored as PostgreSQL's `json` (the text, checked) rather than `jsonb` (a parsed binary form).

    For documents that are written once and read back whole, never searched inside by containment: the queue's
    received records. PostgreSQL then only checks the text instead of building the binary form on every insert, and
    gives the text back as it is instead of printing it again on every read (measured on 2,000 bench records: COPY
    27 ms instead of 43, reading back as text 4 ms instead of 22; docs/performance.md). `KT("payload__key")` reads
    the text directly (`->>`); `payload__key=…` filters compare on the document cast to jsonb, for the odd query
    (admin, tests); containment and key-existence lookups (`@>`, `?`) are jsonb's only. Other databases: as
    JSONField.
    """

    def get_transform(self, name):
        transform = super().get_transform(name)
        if not isinstance(transform, KeyTransformFactory):
            return transform
        return _JsonbKeyTransformFactory(name)

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def from_db_value(self, value, expression, connection):
        # psycopg decodes the json type itself (Django only hands jsonb over as text).
        if value is not None and not isinstance(value, str):
            return value
        return super().from_db_value(value, expression, connection)


class _JsonbKeyTransformFactory(KeyTransformFactory):
    """`field__key`: jsonb's key transform over the json column cast to jsonb (json has no equality operator)."""

    def __call__(self, *args, **kwargs):
        lhs, *rest = args
        return KeyTransform(self.key_name, Cast(lhs, models.JSONField()), *rest, **kwargs)
