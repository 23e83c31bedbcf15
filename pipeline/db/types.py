"""Column types: aware UTC datetimes and the vocabulary's words, alike on both databases."""

from __future__ import annotations

from datetime import datetime, timezone
from enum import StrEnum

from sqlalchemy import DateTime, Dialect, Enum
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime in UTC, in and out.

    PostgreSQL keeps the instant (``timestamptz``) and answers in the session's zone; SQLite
    keeps the wall time without a zone. Both store UTC here and give back aware UTC values,
    so no caller has to re-attach a zone. A naive value is refused: it says no instant.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"a naive datetime cannot be stored as UTC: {value!r}")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite: the stored wall time is UTC
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def enum_as_string(vocabulary: type[StrEnum], length: int) -> Enum:
    """A VARCHAR(``length``) column holding one of ``vocabulary``'s values, read back as a
    member. No CHECK constraint and no database enum type: the schema stays plain strings."""
    return Enum(vocabulary, native_enum=False, create_constraint=False, length=length,
                values_callable=lambda members: [member.value for member in members])
