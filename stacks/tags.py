"""Metadata keys and tags every govcloud resource carries; the policy pack checks the same keys."""

from __future__ import annotations

# Metadata keys on instances and volumes (Nova/Cinder metadata values are strings).
SYSTEM = "govcloud:system"
DEPARTMENT = "govcloud:department"
MLPS = "govcloud:mlps"
WAVE = "govcloud:wave"
DOMAIN = "govcloud:domain"
RULES = "govcloud:rules"
ENCRYPTED = "govcloud:encrypted"
BACKUP = "govcloud:backup"

# Backup schedule flag of protected (MLPS level 3+) volumes (MLPS-4, DR-1).
BACKUP_SCHEDULE = "daily"

# Component type tokens (the policy pack recognises the sanctioned public-web rules by theirs).
PUBLIC_WEB_TYPE = "govcloud:platform:PublicWebAccess"


def tag(key: str, value: object) -> str:
    """A `key=value` Neutron/Keystone tag (those tags are plain strings)."""
    return f"{key}={value}"


def tag_value(tags: list[str] | None, key: str) -> str | None:
    """Value of `key` in a list of `key=value` tags, None when absent."""
    for t in tags or []:
        k, sep, v = t.partition("=")
        if sep and k == key:
            return v
    return None
