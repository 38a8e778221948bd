"""Chinese throughout, English equally complete: every output of the bundled city in both languages.

The catalogue (foundation.messages, with the report labels of reporting.messages) holds every
text as ``key: (zh, en)``. These tests fail on a key without both languages, on a key the code
names that the catalogue lacks, on English prose in a Chinese output (an ASCII word that is not
an ID, a rule ID, a unit or a product name) and on Chinese in an English output (other than the
survey's own names and free text).
"""

from __future__ import annotations

import ast
import csv
import io
import re
import string
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest

import reporting.messages  # noqa: F401 (the report labels join the catalogue)
from foundation.messages import MESSAGES, Catalogue
from inventory.models import Inventory
from planner import rules
from planner.plan_model import Plan, write_plan

ROOT = Path(__file__).resolve().parents[1]
CODE = ("foundation", "inventory", "planner", "reporting", "govcloud", "stacks", "playbooks")

# ASCII words a Chinese output may hold besides IDs: units, product and standard names.
ALLOWED_WORDS = frozenset(
    {
        "GB", "TB", "MB", "Mbps", "vCPU", "CPU", "RAM", "m", "h", "UPS", "OA", "IM", "SSH", "SHA-256",
        "OpenStack", "PostgreSQL", "MySQL", "MariaDB", "Pulumi", "rsync", "IP", "TCP", "UDP", "HTTP",
        "HTTPS", "API", "LAN", "IT", "O", "M", "CNY", "tcp", "udp", "https", "http", "data", "auth",
        "api", "file", "HTML", "Markdown", "Word",
    }
)
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
# Identifiers by their form: a wave's stack name, a digest, a department plan's file name.
IDENTIFIER = re.compile(r"^(wave-\d+|sha256:[0-9a-f]+|[a-z0-9][a-z0-9_-]*\.(html|md|docx))$")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.:\-]*[A-Za-z0-9]|[A-Za-z]")


# ---------------------------------------------------------------- the catalogue itself


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_message_key_has_non_empty_chinese_and_english_with_the_same_fields() -> None:
    missing = [k for k, (zh, en) in MESSAGES.items() if not zh.strip() or not en.strip()]
    assert missing == []
    differ = {k: (_fields(zh), _fields(en)) for k, (zh, en) in MESSAGES.items() if _fields(zh) != _fields(en)}
    # A glossary term may differ between languages (one language spells a word another cites).
    differ = {k: v for k, v in differ.items() if {f for f in v[0] ^ v[1] if not f.startswith("term.")}}
    assert differ == {}


# Terms of the policy documents' official wording: spelled in the glossary only, cited elsewhere.
OFFICIAL_TERMS = (
    "term.extranet", "term.intranet", "term.public_service_domain", "term.administrative_service_domain",
    "term.internet_line", "term.private_network", "term.national_network", "term.sharing_platform",
    "term.golden_programme", "term.mlps_level", "term.zombie", "term.shadow", "term.big_system",
    "term.gov_cloud", "term.bureau",
)


def test_each_official_chinese_term_is_written_once_in_the_glossary() -> None:
    spelled = {
        term: sorted(k for k, (zh, _) in MESSAGES.items() if k != term and MESSAGES[term][0] in zh)
        for term in OFFICIAL_TERMS
    }
    assert {term: keys for term, keys in spelled.items() if keys} == {}


def test_every_glossary_term_a_message_cites_is_in_the_catalogue() -> None:
    cited = {f for zh, en in MESSAGES.values() for f in _fields(zh) | _fields(en) if f.startswith("term.")}
    assert sorted(cited - MESSAGES.keys()) == []


def test_every_enum_value_an_output_labels_has_a_label() -> None:
    from inventory.models import AssetKind, DomainName, NetworkKind, PlatformKind, SystemCategory, UsageScope
    from planner.plan_model import Disposition, FindingSeverity, MigrationMethod, NetworkOutcome, RoomOutcome

    prefixes: dict[str, Any] = {
        "disposition": Disposition, "domain": DomainName, "room": RoomOutcome, "network": NetworkOutcome,
        "severity": FindingSeverity, "method": MigrationMethod, "network_kind": NetworkKind,
        "asset_kind": AssetKind, "category": SystemCategory, "scope": UsageScope, "platform": PlatformKind,
    }
    keys = [f"{p}.{v.value}" for p, enum in prefixes.items() for v in enum]
    missing = [k for k in keys if k not in MESSAGES]
    assert missing == []


def _literal_keys() -> Iterator[tuple[str, str]]:
    """(where, key) of every literal message key the code passes to msg(), t() or cat.t()."""
    for top in CODE:
        for path in (ROOT / top).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                fn = node.func
                name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
                first = node.args[0]
                if (
                    name in ("msg", "t", "english")
                    and isinstance(first, ast.Constant)
                    and isinstance(first.value, str)
                    and "." in first.value
                    and " " not in first.value
                ):
                    yield f"{path.relative_to(ROOT)}:{node.lineno}", first.value
    for path in (ROOT / "reporting" / "templates").glob("*.j2"):
        for m in re.finditer(r"""\bt\(\s*["']([a-z_.]+)["']\s*[,)]""", path.read_text(encoding="utf-8")):
            yield str(path.relative_to(ROOT)), m.group(1)


def test_no_message_key_used_in_the_code_is_missing_from_the_catalogue() -> None:
    keys = list(_literal_keys())
    assert len(keys) > 200  # the scan sees the code
    assert sorted({f"{where}: {key}" for where, key in keys if key not in MESSAGES}) == []


def test_every_rule_id_has_its_text_in_both_languages() -> None:
    ids = {v for k, v in vars(rules).items() if k.isupper() and isinstance(v, str) and "-" in v}
    assert sorted(r for r in ids if f"rule.{r}" not in MESSAGES) == []


def test_the_dynamic_keys_of_explain_check_and_simulate_are_catalogued() -> None:
    from planner.findings import TARGETS
    from planner.ruleset import BUILTIN
    from planner.simulate import compare

    assert [t.key for t in TARGETS if f"target.{t.key}" not in MESSAGES] == []
    assert [c.__name__ for c in BUILTIN if f"explain.checks.{c.__name__}" not in MESSAGES] == []
    source = ast.parse((ROOT / "planner" / "simulate.py").read_text(encoding="utf-8"))
    rows = next(n for n in ast.walk(source) if isinstance(n, ast.FunctionDef) and n.name == compare.__name__)
    names = [
        e.elts[0].value
        for e in ast.walk(rows)
        if isinstance(e, ast.Tuple) and e.elts and isinstance(e.elts[0], ast.Constant)
        and isinstance(e.elts[0].value, str) and len(e.elts) == 3
    ]
    assert names and [n for n in names if f"simulate.row.{n}" not in MESSAGES] == []


# ---------------------------------------------------------------- every output of the bundled city


class _Visible(HTMLParser):
    """The text a reader sees in an HTML page (not scripts, styles or attributes)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _html_text(html: str) -> str:
    p = _Visible()
    p.feed(html)
    return "\n".join(p.parts)


def _docx_text(path: Path) -> str:
    d = docx.Document(str(path))
    parts = [p.text for p in d.paragraphs]
    parts += [c.text for t in d.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def _xlsx_text(path: Path) -> str:
    wb = openpyxl.load_workbook(path)
    parts = list(wb.sheetnames)
    for ws in wb.worksheets:
        parts += [str(v) for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def planned(bundled_inventory: Inventory, default_policy: Any) -> tuple[Plan, Any]:
    from planner.core import plan_with_context

    return plan_with_context(bundled_inventory, default_policy)


def _outputs(lang: str, planned: tuple[Plan, Any], inventory: Inventory, policy: Any, cli: Any,
             tmp: Path) -> dict[str, str]:
    """Every output in *lang*: name -> the text a reader sees."""
    from typer.testing import CliRunner

    from planner.explain import explain
    from reporting.departments import write_department_plans
    from reporting.finance import write_finance
    from reporting.report import render_report_html

    plan, context = planned
    out: dict[str, str] = {"report.html": _html_text(render_report_html(plan, inventory, lang=lang))}  # type: ignore[arg-type]
    for path in write_department_plans(plan, inventory, out_dir=tmp, lang=lang, policy=policy):  # type: ignore[arg-type]
        if path.suffix == ".html":
            out[path.name] = _html_text(path.read_text(encoding="utf-8"))
        elif path.suffix == ".md":
            out[path.name] = path.read_text(encoding="utf-8").replace("\\", "")  # Markdown escapes
        else:
            out[path.name] = _docx_text(path)
    write_finance(plan, inventory, xlsx=tmp / "ledger.xlsx", csv_dir=tmp / "csv", lang=lang)  # type: ignore[arg-type]
    out["ledger.xlsx"] = _xlsx_text(tmp / "ledger.xlsx")
    for path in sorted((tmp / "csv").glob("*.csv")):
        rows = csv.reader(io.StringIO(path.read_text("utf-8-sig")))
        out[f"csv/{path.name}"] = "\n".join(",".join(r) for r in rows)
    for s in inventory.systems:
        out[f"explain {s.id}"] = "\n".join(
            explain(inventory, policy, s.id, plan=plan, context=context).lines(lang)
        )
    plan_file = tmp / "plan.json"
    write_plan(plan, plan_file)
    runner = CliRunner(env={"COLUMNS": "1000"})  # tables wide enough that no ID is cut
    checked = runner.invoke(cli, ["check", "--plan", str(plan_file), "--lang", lang])
    assert checked.exit_code in (0, 3), checked.output
    out["check"] = checked.output
    scenario = ROOT / "tests" / "data" / "scenarios" / "capacity_cut.yaml"
    simulated = runner.invoke(
        cli, ["simulate", "--scenario", str(scenario), "--plan", str(plan_file), "--effort", "quick",
              "--lang", lang],
    )
    assert simulated.exit_code == 0, simulated.output
    out["simulate"] = simulated.output
    out.update(_progress_outputs(lang, plan, inventory, tmp))
    return out


def _progress_outputs(lang: str, plan: Plan, inventory: Inventory, tmp: Path) -> dict[str, str]:
    """The monthly progress report (METRIC-1) with the first wave recorded, as HTML and Markdown."""
    from reporting.messages import Catalogue
    from reporting.progress import ProgressTracker, record_all

    first = plan.waves[0]
    tracker = ProgressTracker(plan, inventory, url=f"sqlite:///{tmp / 'progress.db'}", today=first.end)
    try:
        assert record_all(tracker, tracker.planned_events(first.number)) == []
        report = tracker.monthly_report(first.end)
    finally:
        tracker.close()
    cat = Catalogue(lang)  # type: ignore[arg-type]
    return {"progress.md": report.to_markdown(cat), "progress.html": _html_text(report.to_html(cat))}


def _all_strings(inventory: Inventory) -> set[str]:
    """Every string of the survey: IDs, names, free text."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, str):
            found.add(node)
        elif isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list | tuple):
            for v in node:
                walk(v)

    walk(inventory.model_dump(mode="json"))
    return found


def _survey_strings(inventory: Inventory) -> list[str]:
    """Every string of the survey holding Chinese (names, free text), longest first."""
    return sorted((s for s in _all_strings(inventory) if CJK.search(s)), key=len, reverse=True)


def _shortened(word: str, survey: list[str]) -> str:
    """Nothing for a survey name shortened with "…", else the word."""
    return "" if any(x.startswith(word[:-1]) for x in survey) else word


def _without(text: str, strings: list[str]) -> str:
    for s in strings:
        if s in text:
            text = text.replace(s, " ")
    return text


@pytest.fixture(scope="module")
def identifiers(bundled_inventory: Inventory, planned: tuple[Plan, Any]) -> frozenset[str]:
    """ASCII words that are IDs: of the survey, the plan (groups, finding subjects), rule IDs."""
    plan, _ = planned
    words: set[str] = set()
    for s in _all_strings(bundled_inventory):
        words.update(WORD.findall(s))
    words.update(g.id for g in plan.groups)
    for f in plan.findings:
        words.update(WORD.findall(f.subject))
    words.update(v for k, v in vars(rules).items() if k.isupper() and isinstance(v, str))
    words.update(WORD.findall(plan.policy.name))
    words.update(WORD.findall("capacity-cut"))  # the scenario's name (the user's text)
    return frozenset(words)


@pytest.fixture(scope="module")
def zh_outputs(planned, bundled_inventory, default_policy, cli, tmp_path_factory) -> dict[str, str]:
    return _outputs("zh", planned, bundled_inventory, default_policy, cli, tmp_path_factory.mktemp("zh"))


@pytest.fixture(scope="module")
def en_outputs(planned, bundled_inventory, default_policy, cli, tmp_path_factory) -> dict[str, str]:
    return _outputs("en", planned, bundled_inventory, default_policy, cli, tmp_path_factory.mktemp("en"))


def test_every_chinese_output_of_the_bundled_city_holds_no_english_prose(
    zh_outputs: dict[str, str], identifiers: frozenset[str]
) -> None:
    kinds = {name.rsplit(".", 1)[-1] if "." in name else name.split()[0] for name in zh_outputs}
    assert {"html", "md", "docx", "xlsx", "csv", "explain", "check", "simulate"} <= kinds
    english: dict[str, set[str]] = {}
    for name, text in zh_outputs.items():
        words = {
            w
            for w in WORD.findall(text)
            if w not in identifiers and w not in ALLOWED_WORDS and not IDENTIFIER.match(w)
        }
        if words:
            english[name] = words
    assert english == {}, "\n".join(f"{name}: {sorted(words)}" for name, words in english.items())


def test_every_english_output_of_the_bundled_city_holds_no_chinese_beyond_the_surveys_own_text(
    en_outputs: dict[str, str], bundled_inventory: Inventory
) -> None:
    survey = _survey_strings(bundled_inventory)
    chinese: dict[str, list[str]] = {}
    for name, text in en_outputs.items():
        # A name shortened to fit a graph node ("食品安全追溯系统（食品安…") is still the survey's own.
        text = re.sub(r"[^\s>]+…", lambda m: _shortened(m.group(), survey), text)
        rest = _without(text, survey)
        lines = [line.strip() for line in rest.splitlines() if CJK.search(line)]
        if lines:
            chinese[name] = lines[:3]
    assert chinese == {}, "\n".join(f"{name}: {lines}" for name, lines in chinese.items())


def test_a_reason_and_a_finding_read_in_the_readers_language(planned: tuple[Plan, Any]) -> None:
    plan, _ = planned
    zh, en = Catalogue("zh"), Catalogue("en")
    migrating = next(s for s in plan.systems if s.disposition.value == "migrate" and s.reason_messages)
    assert migrating.reasons == migrating.reasons_in(en)  # plan.json keeps the English text
    assert all(CJK.search(r) for r in migrating.reasons_in(zh))
    finding = next(f for f in plan.findings if f.key)
    assert finding.message == finding.message_in(en) and CJK.search(finding.message_in(zh))


def test_a_finding_whose_key_the_catalogue_lacks_is_shown_in_its_written_english() -> None:
    from planner.plan_model import Finding, FindingSeverity

    newer = Finding(rule="X-1", severity=FindingSeverity.WARNING, subject="a", message="as written",
                    key="finding.from_a_newer_version", params={})
    wrong = Finding(rule="X-1", severity=FindingSeverity.WARNING, subject="a", message="as written",
                    key="finding.cloud_rate", params={"rate": "not a number"})
    assert newer.message_in(Catalogue("zh")) == "as written"
    assert wrong.message_in(Catalogue("zh")) == "as written"


def test_a_parameter_is_shown_as_text_never_expanded_as_a_template() -> None:
    from foundation.messages import msg

    said = msg("reason.zombie.replaceable", other="{term.extranet} {0} {other.__class__}")
    assert Catalogue("zh").render(said) == "其功能可由 {term.extranet} {0} {other.__class__} 替代"


def test_a_plan_written_with_messages_reads_back_and_renders_the_same(planned: tuple[Plan, Any],
                                                                      tmp_path: Path) -> None:
    from planner.plan_model import load_plan

    plan, _ = planned
    write_plan(plan, tmp_path / "plan.json")
    again = load_plan(tmp_path / "plan.json")
    zh = Catalogue("zh")
    assert [s.reasons_in(zh) for s in again.systems] == [s.reasons_in(zh) for s in plan.systems]
    assert [f.message_in(zh) for f in again.findings] == [f.message_in(zh) for f in plan.findings]
