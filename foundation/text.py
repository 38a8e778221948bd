"""Text from untrusted input: which characters a name may not hold, and escaping on output.

Names, IDs and free text of a survey end up in Markdown headings, HTML, YAML and shell
comments, spreadsheets and the terminal. Validation refuses control characters in names
(:func:`control_problem`); every writer escapes anyway (:func:`for_markdown`,
:func:`for_terminal`, :func:`for_comment`), because plans and other files can be edited by hand.
"""

from __future__ import annotations

import html
import re

# C0 and C1 controls, DEL, and the Unicode characters that move or hide text on output:
# line/paragraph separators, bidirectional overrides and isolates (the "Trojan source" trick),
# zero-width characters and the BOM.
# The set in two parts: line breaks and tabs (free text may hold them), and the rest.
BREAKS_CLASS = r"\t\n\r"
CONTROL_CLASS_BUT_BREAKS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
CONTROL_CLASS = BREAKS_CLASS + CONTROL_CLASS_BUT_BREAKS  # for [...] in any regex
CONTROL_RE = re.compile(f"[{CONTROL_CLASS}]")
# Free text (a description) may hold line breaks and tabs; everything else above is refused.
_TEXT_ALLOWED = frozenset("\n\t\r")


def control_problem(text: str, *, multiline: bool = False) -> str | None:
    """Why *text* cannot be a name (it holds a control character), or None when it can."""
    for m in CONTROL_RE.finditer(text):
        ch = m.group()
        if multiline and ch in _TEXT_ALLOWED:
            continue
        return (
            f"contains the control character U+{ord(ch):04X} at position {m.start() + 1}; "
            "names must be plain text on one line"
            if not multiline
            else f"contains the control character U+{ord(ch):04X} at position {m.start() + 1}"
        )
    return None


def visible(text: str) -> str:
    """*text* with every control character shown as an escape (``\\x1b``, ``\\u202e``)."""
    return CONTROL_RE.sub(_escape_char, text)


def _escape_char(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text: str) -> str:
    """*text* safe to print: escape sequences and cursor moves shown, not executed.

    Line breaks and tabs of our own messages are kept; everything else is made visible.
    """
    return CONTROL_RE.sub(lambda m: m.group() if m.group() in "\n\t" else _escape_char(m), text)


def for_comment(text: str) -> str:
    """*text* for a one-line comment (YAML, shell): no line break can end the comment early."""
    return visible(text)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]#|~])")


def for_markdown(text: str) -> str:
    """*text* as literal Markdown inline text: no HTML, no markup, no line break, no table cell end.

    HTML-significant characters become entities; Markdown punctuation is backslash-escaped
    (CommonMark: any ASCII punctuation may be); control characters become visible escapes.
    """
    flat = visible(re.sub(r"[\r\n\t]+", " ", text))
    escaped = html.escape(flat, quote=False)  # & < > first: the entities' own '&' and ';' stay
    return _MARKDOWN_SPECIAL.sub(r"\\\1", escaped)

