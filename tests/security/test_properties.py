"""Property-based tests: the YAML loader, the survey loader and the plan loader, fed the
mutations of this corpus (coercible values, non-finite numbers, control characters, path IDs,
formula payloads, duplicate keys, alias bombs, deep nesting, truncation, stray bytes).

For every case: no traceback (only the loader's own error type or a clean result), no hang (a
per-case timeout, :func:`tests.security.conftest.time_bound`), bounded memory (peak of Python
allocations, tracemalloc).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import tempfile
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from inventory.loader import check_inventory, load_inventory
from planner.plan_model import PlanError, load_plan
from tests.security.conftest import MINIMAL, minimal_document, time_bound

CASE_SECONDS = 20
PEAK_BYTES = 256 * 1024 * 1024
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)

EVIL_VALUES: list[Any] = [
    True,
    False,
    0,
    -1,
    1e308,
    -1e308,
    float("inf"),
    float("nan"),
    10**40,
    "",
    " ",
    ".",
    "..",
    "index",
    "-rf",
    "../../etc/passwd",
    '=HYPERLINK("http://x")',
    "@SUM(1)",
    "\x1b[2J",
    "a\nb: c",
    "\u202e",
    "\x00",
    "2019-13-45",
    "2019/2/30",
    "一二三",
    [],
    {},
    [[[]]],
    {"k": {"k": {}}},
    None,
    "x" * 5000,
    "1e400",
    "0x10",
    "NaN",
]
YAML_SNIPPETS = [
    "&a [x, *a]",
    "&b0 [q, q, q, q, q, q, q, q, q, q]",
    "[" * 80 + "]" * 80,
    "!!python/object/apply:os.system ['true']",
    "!!binary AAAA",
    "*undefined_alias",
    "{<<: {a: 1}, a: 2}",
    "2019-01-01T25:00:00",
    "!!timestamp 2019-99-99",
    "'unterminated",
]


@contextlib.contextmanager
def bounded() -> Iterator[None]:
    """A time bound and a memory bound around one case."""
    tracemalloc.start()
    try:
        with time_bound(CASE_SECONDS):
            yield
        _, peak = tracemalloc.get_traced_memory()
        assert peak < PEAK_BYTES, f"peak {peak:,} bytes"
    finally:
        tracemalloc.stop()


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return doc


BASE_DOC = minimal_document()
BASE_PATHS = _paths(BASE_DOC)
BASE_TEXT = yaml.safe_dump(BASE_DOC, allow_unicode=True, sort_keys=False)


@st.composite
def mutated_yaml(draw: st.DrawFn) -> bytes:
    doc = json.loads(json.dumps(BASE_DOC, default=str))
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(BASE_PATHS))
        try:
            doc = _set(doc, path, draw(st.sampled_from(EVIL_VALUES)))
        except (KeyError, IndexError, TypeError):  # an earlier mutation replaced a parent
            continue
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    lines = text.splitlines()
    action = draw(st.sampled_from(["none", "snippet", "duplicate", "truncate", "bytes", "bomb"]))
    if action == "snippet" and lines:
        at = draw(st.integers(0, len(lines) - 1))
        key = lines[at].split(":")[0]
        lines[at] = f"{key}: {draw(st.sampled_from(YAML_SNIPPETS))}"
    elif action == "duplicate" and lines:
        lines.append(draw(st.sampled_from(lines)))
    elif action == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
        return text.encode("utf-8", "surrogatepass")
    elif action == "bytes":
        data = bytearray(text.encode("utf-8"))
        at = draw(st.integers(0, len(data)))
        data[at:at] = draw(st.binary(min_size=1, max_size=8))
        return bytes(data)
    elif action == "bomb" and isinstance(doc, dict) and isinstance(doc.get(LAST_KEY), list):
        # a record of the last list whose fields expand to 10^9 values
        lines += ["- id: bomb", "  e0: &e0 [a, a, a, a, a, a, a, a, a, a]"]
        lines += [f"  e{i}: &e{i} [" + ", ".join([f"*e{i - 1}"] * 10) + "]" for i in range(1, 9)]
    return "\n".join(lines).encode("utf-8")


LAST_KEY = list(BASE_DOC)[-1]


def _sane(inventory: Any) -> None:
    """What a valid inventory guarantees downstream, whatever the input was."""
    from foundation.paths import id_problem
    from foundation.text import CONTROL_RE

    def walk(node: Any, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, bool):
            assert key not in ("mlps_level", "vcpu", "servers", "port", "monthly_active_users"), key
        elif isinstance(node, float | int):
            assert node == node and abs(node) <= 1e12, (key, node)
        elif isinstance(node, str) and key != "description":
            assert not CONTROL_RE.search(node), (key, node)
            if key == "id":
                assert id_problem(node) is None, node

    walk(inventory.model_dump())


@SETTINGS
@given(mutated_yaml())
@example(BASE_TEXT.replace("data_gb: 500", "data_gb: .inf", 1).encode("utf-8"))  # the issue's own case
def test_the_yaml_loader_answers_every_mutation_cleanly(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "city.yaml"
        path.write_bytes(data)
        with bounded():
            inventory, problems = check_inventory(path)
        assert inventory is not None or problems
        if inventory is not None:
            _sane(inventory)


def _survey_files() -> dict[str, list[list[str]]]:
    from inventory.survey import export_csv

    with tempfile.TemporaryDirectory(prefix="govcloud-survey-") as tmp:  # removed, run after run
        export_csv(load_inventory(MINIMAL), Path(tmp))
        return {
            f.name: list(csv.reader(io.StringIO(f.read_text(encoding="utf-8-sig"))))
            for f in sorted(Path(tmp).glob("*.csv"))
        }


SURVEY = _survey_files()


@st.composite
def mutated_survey(draw: st.DrawFn) -> dict[str, list[list[str]]]:
    files = json.loads(json.dumps(SURVEY))
    for _ in range(draw(st.integers(1, 4))):
        name = draw(st.sampled_from(sorted(files)))
        rows = files[name]
        r = draw(st.integers(0, len(rows) - 1))
        if not rows[r]:
            continue
        c = draw(st.integers(0, len(rows[r]) - 1))
        value = draw(st.one_of(st.sampled_from(EVIL_VALUES).map(str), st.text(max_size=30)))
        rows[r][c] = value
    if draw(st.booleans()):
        name = draw(st.sampled_from(sorted(files)))
        files[name].append(draw(st.lists(st.text(max_size=10), max_size=200)))
    return files


def _survey_with(field: str, cell: str) -> dict[str, list[list[str]]]:
    from inventory.survey import sheet_columns

    files = json.loads(json.dumps(SURVEY))
    rows = files["systems.csv"]
    title = next(c.title for c in sheet_columns("systems") if c.name == field)
    rows[1][rows[0].index(title)] = cell
    return files


@SETTINGS
@given(mutated_survey())
@example(_survey_with("data_gb", "inf"))
def test_the_survey_loader_answers_every_mutation_cleanly(files: dict[str, list[list[str]]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, rows in files.items():
            buf = io.StringIO(newline="")
            csv.writer(buf).writerows(rows)
            (Path(tmp) / name).write_text(buf.getvalue(), encoding="utf-8", errors="surrogatepass")
        with bounded():
            inventory, problems = check_inventory(Path(tmp))
        assert inventory is not None or problems
        if inventory is not None:
            _sane(inventory)


def _base_plan() -> dict[str, Any]:
    from planner.core import make_plan
    from planner.policy import load_policy

    return json.loads(make_plan(load_inventory(MINIMAL), load_policy()).model_dump_json())


BASE_PLAN = _base_plan()
PLAN_PATHS = _paths(BASE_PLAN)


@st.composite
def mutated_plan(draw: st.DrawFn) -> str:
    plan = json.loads(json.dumps(BASE_PLAN))
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(PLAN_PATHS))
        value = draw(st.sampled_from(EVIL_VALUES))
        try:
            plan = _set(plan, path, value)
        except (KeyError, IndexError, TypeError):
            continue
    text = json.dumps(plan, ensure_ascii=False)
    action = draw(st.sampled_from(["none", "truncate", "nest", "constant"]))
    if action == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif action == "nest":
        text = text[:-1] + ', "deep": ' + "[" * 100_000 + "]" * 100_000 + "}"
    elif action == "constant":
        text = text.replace('"cloud_rate": ', '"cloud_rate": NaN, "was": ', 1)
    return text


@SETTINGS
@given(mutated_plan())
@example(json.dumps(BASE_PLAN)[:-1] + ', "deep": ' + "[" * 100_000 + "]" * 100_000 + "}")
def test_the_plan_loader_answers_every_mutation_cleanly(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.json"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        with bounded():
            try:
                load_plan(path)
            except PlanError as exc:
                assert str(exc)
