"""The catalogue's own filling of templates gives what string.Formatter with its additions gives."""

from __future__ import annotations

import string
from typing import Any

import pytest

import foundation.messages  # noqa: F401 (registers every table)
from foundation.messages import catalogue as c


class Reference(string.Formatter):
    """The catalogue's rules (glossary terms, @enum specs, lists, nested messages) on string.Formatter."""

    def __init__(self, cat: c.Catalogue) -> None:
        self.cat = cat

    def get_field(self, name: str, args: Any, kwargs: Any) -> Any:
        if name.startswith(c.TERM_PREFIX):
            return self.cat.t(name), name
        return super().get_field(name, args, kwargs)

    def format_field(self, value: Any, spec: str) -> str:
        if isinstance(value, list):
            sep = (c.CLAUSE_SEPARATOR if spec == ";" else c.LIST_SEPARATOR)[self.cat.lang]
            return sep.join(self.format_field(v, "" if spec == ";" else spec) for v in value)
        if isinstance(value, c.Message):
            return self.cat.render(value)
        if spec.startswith("@"):
            return self.cat.enum(spec[1:], value)
        return str(super().format_field(value, spec))


def _outcome(fill: Any, template: str, params: dict[str, Any]) -> Any:
    try:
        return fill(template, params)
    except Exception as exc:  # the same failure for the same template
        return type(exc)


@pytest.mark.parametrize("lang", c.LANGS)
def test_every_template_is_filled_as_string_formatter_fills_it(lang: str) -> None:
    cat = c.Catalogue(lang)
    reference = Reference(cat)
    nested = c.msg("finding.some", shown="inner")
    for key, pair in c.MESSAGES.items():
        template = pair[0 if lang == "zh" else 1]
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f]
        names = [f for f in fields if not f.startswith(c.TERM_PREFIX)]
        for value in ("x{y}", 7, 2.5, None, ["a", "b"], nested):
            params = dict.fromkeys(names, value)
            expected = _outcome(lambda t, p: reference.vformat(t, (), p), template, params)
            assert _outcome(cat._fill, template, params) == expected, (key, value)
