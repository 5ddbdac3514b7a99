"""Parse a ``DATABASE_URL`` (``sqlite:///path``, ``postgres://user:pass@host:port/name``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit


def parse_database_url(url: str) -> dict[str, Any]:
    """A Django ``DATABASES`` entry for ``url``; raises ``ValueError`` for an unknown scheme."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        # sqlite:///relative.db, sqlite:////absolute/path.db, sqlite:///:memory:
        name = url.split("sqlite://", 1)[1]
        name = name[1:] if name.startswith("/") else name
        name = name or ":memory:"
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": name}
    if scheme in ("postgres", "postgresql", "pgsql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
        }
    raise ValueError(f"DATABASE_URL scheme {scheme!r} is not supported (use sqlite or postgres)")
