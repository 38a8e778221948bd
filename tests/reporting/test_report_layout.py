"""The report's layout, measured in headless Debian chromium at the widths planners use.

Loading is not enough: these tests measure element boxes — no table column that wraps one
character per line, no text clipped by its chart, no page wider than the window, a legend for
every chart — at 1400 px (a desktop) and 1024 px (a projector or a laptop).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from inventory.models import Inventory
from planner.plan_model import Plan, RoomOutcome
from planner.policy import Policy
from reporting.report import render_report

pytestmark = pytest.mark.chromium

WIDTHS = (1400, 1024)

# Cells whose text (3 characters or more) is laid out as one character per line.
ONE_CHAR_PER_LINE_JS = """
() => {
  const bad = [];
  for (const cell of document.querySelectorAll('td, th')) {
    if (cell.offsetParent === null) continue;            // hidden (filtered row, closed panel)
    const text = cell.innerText.replace(/\\s+/g, '');
    if (text.length < 3) continue;
    const range = document.createRange();
    range.selectNodeContents(cell);
    const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
    if (tops.size >= text.length) bad.push(`${cell.closest('table').id}: "${text}" on ${tops.size} lines`);
  }
  return bad;
}
"""

# Text of an SVG chart that reaches outside the chart's own box (clipped when drawn).
CLIPPED_SVG_TEXT_JS = """
() => {
  const bad = [];
  for (const svg of document.querySelectorAll('svg.chart')) {
    if (svg.getClientRects().length === 0) continue;     // a graph panel not chosen
    const box = svg.getBoundingClientRect();
    for (const t of svg.querySelectorAll('text')) {
      const r = t.getBoundingClientRect();
      if (r.width === 0) continue;
      const out = r.left < box.left - 0.5 || r.right > box.right + 0.5
               || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5;
      if (out)
        bad.push(`${svg.id || svg.dataset.key}: "${t.textContent}"`);
    }
  }
  return bad;
}
"""

# Charts (by section) that have no legend with at least one visible entry.
MISSING_LEGEND_JS = """
() => [...document.querySelectorAll('section')]
  .filter(s => s.querySelector('svg.chart'))
  .filter(s => ![...s.querySelectorAll('.legend .entry')].some(e => e.getBoundingClientRect().width > 0))
  .map(s => s.id)
"""


@pytest.fixture(scope="module")
def bundled_report(
    bundled_plan: Plan, bundled_inventory: Inventory, default_policy: Policy,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    return render_report(
        bundled_plan, bundled_inventory, lang="zh", out_dir=tmp_path_factory.mktemp("layout"),
        policy=default_policy,
    )


@pytest.fixture(scope="module", params=WIDTHS, ids=lambda w: f"{w}px")
def page(request: pytest.FixtureRequest, browser: Any, bundled_report: Path) -> Iterator[Any]:
    p = browser.new_page(viewport={"width": request.param, "height": 900})
    p.goto(bundled_report.as_uri(), wait_until="load")
    try:
        yield p
    finally:
        p.close()


def test_no_table_column_wraps_one_character_per_line(page: Any) -> None:
    assert page.evaluate(ONE_CHAR_PER_LINE_JS) == []


def test_the_page_is_never_wider_than_the_window(page: Any) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


def test_no_chart_text_is_clipped(page: Any) -> None:
    assert page.evaluate(CLIPPED_SVG_TEXT_JS) == []


def test_every_chart_has_a_legend(page: Any) -> None:
    assert page.evaluate(MISSING_LEGEND_JS) == []


def test_every_dependency_graph_has_a_legend_when_chosen(page: Any) -> None:
    options = page.evaluate("[...document.querySelectorAll('#graph-choice option')].map(o => o.value)")
    assert options
    for value in options[:5]:
        page.select_option("#graph-choice", value)
        assert page.evaluate(MISSING_LEGEND_JS) == []
        assert page.evaluate(CLIPPED_SVG_TEXT_JS) == []


def test_room_cards_agree_with_the_room_table(page: Any, bundled_plan: Plan) -> None:
    cards = page.evaluate(
        "Object.fromEntries([...document.querySelectorAll('.card[data-metric]')]"
        ".map(c => [c.dataset.metric, c.querySelector('.v').innerText]))"
    )
    vacated = sum(r.outcome is RoomOutcome.VACATED for r in bundled_plan.rooms)
    merged = sum(r.outcome is RoomOutcome.MERGED for r in bundled_plan.rooms)
    assert cards["rooms_vacated"] == str(vacated)
    assert cards["rooms_merged"] == str(merged)
    outcomes = page.evaluate(
        "[...document.querySelectorAll('#room-table tbody tr')].map(r => r.children[6].innerText)"
    )
    assert outcomes.count("腾退") == vacated and outcomes.count("合并") == merged
