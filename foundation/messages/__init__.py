"""The one message catalogue: every text of every output, as ``key: (zh, en)``.

Decisions and findings are recorded as keys with parameters (:class:`Message`) and rendered in
the reader's language when shown (:class:`Catalogue`). The tables: the glossary of Chinese terms
and enum labels (``glossary``), the rule texts (``rules``), the planner's reasons, findings and
terminal output (``decisions``); the report's labels join from ``reporting.messages``.
"""

from __future__ import annotations

from foundation.messages.catalogue import (
    DEFAULT_LANG,
    LANGS,
    MESSAGES,
    VERBATIM,
    Catalogue,
    Lang,
    Message,
    as_message,
    english,
    msg,
    register,
    verbatim,
)
from foundation.messages.decisions import FINDINGS, OUTPUT, REASONS
from foundation.messages.glossary import TERMS, VOCABULARY
from foundation.messages.rules import RULE_TEXTS

for _table in (TERMS, VOCABULARY, RULE_TEXTS, REASONS, FINDINGS, OUTPUT):
    register(_table)
register({VERBATIM: ("{text}", "{text}")})

__all__ = [
    "DEFAULT_LANG",
    "LANGS",
    "MESSAGES",
    "Catalogue",
    "Lang",
    "Message",
    "as_message",
    "english",
    "msg",
    "register",
    "verbatim",
]
