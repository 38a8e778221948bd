"""Redaction of secrets: the one choke point every journal line, log message and error passes.

Secrets are known values - every environment value of the targets file, whatever its variable
is called, and the values listed as secrets - masked wherever they appear, plus recognisable
shapes (``password=...``, bearer tokens, PEM private keys, ``user:pass@`` in URLs) and the
password options of the usual tools: ``mysql -pSECRET``, ``curl -u user:SECRET``,
``redis-cli -a SECRET``, ``ldapsearch -w SECRET``, ``mongo -p SECRET``, ``openssl ... -k
SECRET`` / ``-pass pass:SECRET``, ``sshpass -p SECRET`` and ``echo SECRET | sudo -S``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"


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
    # curl -u / --user user:password (the user name stays readable)
    (re.compile(r"(\bcurl\b[^\n;|&]*?\s(?:-u|--user)[\s=]*['\"]?[^\s:'\"]*:)([^\s'\"]+)"), rf"\1{MASK}"),
    (re.compile(r"(\bredis-cli\b[^\n;|&]*?\s(?:-a|--pass)\s*)(\S+)"), rf"\1{MASK}"),
    (re.compile(r"(\bldap(?:search|add|modify|delete|passwd|whoami)\b[^\n;|&]*?\s-w\s*)(\S+)"), rf"\1{MASK}"),
    (
        re.compile(
            r"(\bmongo(?:sh|dump|restore|import|export)?\b[^\n;|&]*?\s(?:-p|--password)[\s=]*)([^\s-]\S*)"
        ),
        rf"\1{MASK}",
    ),
    (re.compile(r"(\bopenssl\b[^\n;|&]*?\s-k\s+)(\S+)"), rf"\1{MASK}"),
    (re.compile(r"(\bopenssl\b[^\n;|&]*?\s-pass(?:in|out)?\s+(?:pass|env|file):)(\S+)"), rf"\1{MASK}"),
    (
        re.compile(
            r"(\b(?:echo|printf)\s+(?:'%s\\n'\s+)?)(['\"]?[^\s|;&]+['\"]?)(\s*\|\s*sudo\s+(?:-\S+\s+)*-S\b)"
        ),
        rf"\1{MASK}\3",
    ),
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
        """Register every value of *env*: redaction goes by value, never by the variable's name."""
        self.add(env.values())

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
