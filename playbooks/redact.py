"""Redaction of secrets: the one choke point every journal line, log message and error passes.

Secrets are known values (environment entries with secret-looking names, values listed as
secrets in the targets file) plus recognisable shapes (``password=...``, bearer tokens,
PEM private keys, ``user:pass@`` in URLs, ``mysql -pSECRET``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"

# Environment variable names whose values are secrets.
SECRET_NAME = re.compile(r"(pass(word|wd|phrase)?|secret|token|key|credential|auth|pwd)", re.IGNORECASE)

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)", re.DOTALL
        ),
        f"-----PRIVATE KEY {MASK}-----",
    ),
    (re.compile(r"(?i)\b(bearer|token|basic)(\s+)[A-Za-z0-9._~+/=-]{8,}"), rf"\1\2{MASK}"),
    # key=value / key: value for secret-looking keys, and --secret-option value
    (
        re.compile(
            r"(?i)([A-Za-z0-9_.-]*(?:password|passwd|passphrase|secret|token|api[_-]?key|private[_-]?key|"
            r"credential|pwd)[A-Za-z0-9_.-]*)(\s*[=:]\s*)(['\"]?)([^\s'\";&|]+)\3"
        ),
        rf"\1\2\3{MASK}\3",
    ),
    (
        re.compile(
            r"(?i)(\s--?[A-Za-z0-9_-]*(?:password|passwd|passphrase|secret|token|api[_-]?key|pwd)[A-Za-z0-9_-]*)"
            r"(\s+)(['\"]?)([^\s'\";&|-][^\s'\";&|]*)\3"
        ),
        rf"\1\2\3{MASK}\3",
    ),
    (re.compile(r"(?i)(://[^/\s:@]+:)([^@\s/]+)(@)"), rf"\1{MASK}\3"),
    (re.compile(r"(\bmysql(?:dump|admin)?\b[^\n;|&]*?\s-p)(\S+)"), rf"\1{MASK}"),
    (re.compile(r"(\bsshpass\s+-p\s*)(\S+)"), rf"\1{MASK}"),
)


class Redactor:
    """Replaces known secret values and secret-shaped text with a mask."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        """Register more secret values (short values are ignored: masking 'a' would garble text)."""
        self._secrets.update(s for s in secrets if s and len(s) >= 4)

    def add_environment(self, env: Mapping[str, str]) -> None:
        """Register the values of environment entries whose names look secret."""
        self.add(v for k, v in env.items() if SECRET_NAME.search(k))

    def scrub(self, text: str) -> str:
        """The text with every known secret and secret-shaped fragment masked."""
        # Longest first so a secret containing another is masked whole.
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        for pattern, repl in _PATTERNS:
            text = pattern.sub(repl, text)
        return text

    def scrub_obj(self, value: Any) -> Any:
        """Scrub every string inside a JSON-like structure (keys included)."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, Mapping):
            return {self.scrub(str(k)): self.scrub_obj(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.scrub_obj(v) for v in value]
        return value


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs each record's final message through a Redactor."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redactor.scrub(record.getMessage())
        record.args = None
        return True
