"""The HTML report: renders offline in headless Debian chromium, Chinese glyphs and all."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from foundation.messages import MESSAGES
from inventory.loader import bundled_inventory_path
from inventory.models import Inventory
from planner.plan_model import Plan
from planner.policy import load_policy
from reporting.messages import Catalogue
from reporting.report import render_report, render_report_html
from reporting.view import PlanView

pytestmark = pytest.mark.chromium


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


class LoadedPage:
    """A page opened from a file:// URL with every request and console error it produced."""

    def __init__(self, page: Any, requests: list[str], errors: list[str]) -> None:
        self.page, self.requests, self.errors = page, requests, errors


def open_report(browser: Any, path: Path) -> LoadedPage:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri(), wait_until="load")
    return LoadedPage(page, requests, errors)


@pytest.fixture(scope="module")
def report_path(city_plan: Plan, city: Inventory, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_report(
        city_plan, city, lang="zh", out_dir=tmp_path_factory.mktemp("report"), policy=load_policy()
    )


@pytest.fixture(scope="module")
def loaded(browser: Any, report_path: Path) -> Iterator[LoadedPage]:
    lp = open_report(browser, report_path)
    yield lp
    lp.page.close()


def test_report_loads_offline_with_no_console_error(
    loaded: LoadedPage, report_path: Path, tmp_path: Path
) -> None:
    assert loaded.requests == [report_path.as_uri()], f"unexpected requests: {loaded.requests}"
    assert loaded.errors == []
    shot = tmp_path / "report.png"
    loaded.page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    width, height = png_size(data)
    assert width >= 1000 and height > 2000
    assert len(data) > 50_000  # a blank page compresses to a few kB


def test_target_table_shows_each_target_with_its_status(loaded: LoadedPage) -> None:
    page = loaded.page
    rows = page.locator("#targets tbody tr")
    assert rows.count() == 7
    # The fixture plan carries a CLOUD-2 error finding and a cloud rate under 98 %: red.
    assert page.locator('#targets tr[data-target="cloud_rate"]').get_attribute("class") == "missed"
    # Every room and line of the plan is accounted for and no ROOM/LINE error exists: green.
    assert page.locator('#targets tr[data-target="rooms"]').get_attribute("class") == "met"
    assert page.locator('#targets tr[data-target="lines"]').get_attribute("class") == "met"
    # The last migration wave ends 2018-05-31, before the 2018-12-31 deadline, but edu-exam is
    # blocked and the CLOUD-2 error stands: not every system is migrated, so it is missed.
    assert page.locator('#targets tr[data-target="deadline_migration"]').get_attribute("class") == "missed"
    assert page.locator('#targets tr[data-target="deadline_pilot"]').get_attribute("class") == "met"


def test_gantt_has_one_bar_per_department_and_wave(
    loaded: LoadedPage, city_plan: Plan, city: Inventory
) -> None:
    expected = {(s.department, s.wave) for s in city_plan.systems if s.wave is not None}
    bars = loaded.page.locator("#gantt rect.bar[data-dept]")  # not the legend's swatches
    found = {
        (bars.nth(i).get_attribute("data-dept"), int(bars.nth(i).get_attribute("data-wave") or -1))
        for i in range(bars.count())
    }
    assert found == expected
    assert bars.count() == len(expected)
    # Bars of a later wave start further right.
    x0 = float(loaded.page.locator('#gantt rect.bar[data-dept="fin"][data-wave="0"]').get_attribute("x") or 0)
    x1 = float(loaded.page.locator('#gantt rect.bar[data-dept="fin"][data-wave="1"]').get_attribute("x") or 0)
    assert x1 > x0


def test_cost_curve_has_a_bar_per_month_and_a_savings_line(
    loaded: LoadedPage, city_plan: Plan, city: Inventory
) -> None:
    months = len(PlanView(city_plan, city).calendar)
    assert loaded.page.locator("#cost-curve rect.stranded").count() == months + 1  # + the legend swatch
    assert loaded.page.locator("#cost-curve polyline.cumulative").count() == 1
    assert loaded.page.locator("#capacity rect.dom-public_service").count() >= 1


def test_chinese_text_is_drawn_with_a_cjk_font_not_tofu(loaded: LoadedPage) -> None:
    page = loaded.page
    # Which installed font did chromium actually use for the title? (Fails when no CJK font is installed.)
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "#title"})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    assert any("CJK" in f["familyName"] for f in fonts), fonts
    # And the glyphs differ from the missing-glyph box: draw both on a canvas and compare pixels.
    same_as_tofu = page.evaluate("""() => {
        const font = getComputedStyle(document.documentElement).fontFamily;
        function pixels(ch) {
            const c = document.createElement("canvas"); c.width = 40; c.height = 40;
            const g = c.getContext("2d"); g.font = "32px " + font; g.fillText(ch, 2, 32);
            return Array.from(g.getImageData(0, 0, 40, 40).data).join(",");
        }
        const tofu = pixels("\\u{10FFFD}");
        return ["阜", "新", "政"].map(ch => pixels(ch) === tofu || pixels(ch) === pixels(" "));
    }""")
    assert same_as_tofu == [False, False, False]


def test_system_table_filters_and_sorts(loaded: LoadedPage, city_plan: Plan, city: Inventory) -> None:
    page = loaded.page
    view = PlanView(city_plan, city)
    page.fill('input[data-table="system-table"]', "市财政局")
    visible = page.locator("#system-table tbody tr:not([hidden])")
    assert visible.count() == len(view.department_systems("fin"))
    page.fill('input[data-table="system-table"]', "")
    assert page.locator("#system-table tbody tr:not([hidden])").count() == len(city_plan.systems)
    page.locator("#system-table th", has_text=Catalogue("zh").t("col.wave")).click()
    waves = [c.strip() for c in page.locator("#system-table tbody tr td:nth-child(6)").all_inner_texts()]
    numbers = [int(w) if w else -1 for w in waves]
    assert numbers == sorted(numbers)


def test_dependency_graph_chooser_shows_the_chosen_department(loaded: LoadedPage) -> None:
    page = loaded.page
    assert page.locator(".graph-panel:not([hidden])").count() == 1
    page.select_option("#graph-choice", "dept-land")
    shown = page.locator(".graph-panel:not([hidden])")
    assert shown.get_attribute("data-key") == "dept-land"
    assert shown.locator("g.node", has_text="国土空间地理信息系统").count() == 1
    # land-gis depends on fin-budget, drawn as an external neighbour.
    assert shown.locator("g.node.external").count() >= 1


def test_every_rule_link_points_at_a_rule_text_in_the_page(loaded: LoadedPage, city_plan: Plan) -> None:
    hrefs = set(loaded.page.locator("a.rule").evaluate_all("els => els.map(e => e.getAttribute('href'))"))
    assert "#rule-MLPS-2" in hrefs
    for href in hrefs:
        assert loaded.page.locator(f"dt{href}").count() == 1, href
    text = loaded.page.locator("dt#rule-ROOM-2 + dd").inner_text()
    assert "20" in text  # the rule text, not a placeholder


def test_english_report_uses_the_english_labels(city_plan: Plan, city: Inventory) -> None:
    en = render_report_html(city_plan, city, lang="en")
    zh = render_report_html(city_plan, city, lang="zh")
    for key in ("section.gantt", "section.cost", "target.deadline_pilot", "disposition.migrate"):
        zh_label, en_label = MESSAGES[key]
        assert en_label in en and zh_label not in en
        assert zh_label in zh
    assert "阜新市" in en  # data stays in its own language


def test_stranded_cost_curve_adds_up_to_the_plans_stranded_cost(city_plan: Plan, city: Inventory) -> None:
    curve = PlanView(city_plan, city).cost_curve()
    assert sum(stranded for _m, stranded, _c in curve) == pytest.approx(city_plan.metrics.stranded_cost)
    assert curve[-1][1] == 0  # everything retired is paid no more after the last wave
    cumulative = [c for _m, _s, c in curve]
    assert cumulative == sorted(cumulative)


def _bundled_city_available() -> bool:
    path = bundled_inventory_path()
    return path.is_dir() and any(path.glob("*.y*ml"))


@pytest.mark.skipif(not _bundled_city_available(), reason="the bundled sample city is not in the tree yet")
def test_bundled_city_report_renders_offline(
    browser: Any, bundled_plan: Plan, bundled_inventory: Inventory, default_policy: Any, tmp_path: Path
) -> None:
    path = render_report(bundled_plan, bundled_inventory, out_dir=tmp_path, policy=default_policy)
    lp = open_report(browser, path)
    try:
        assert lp.requests == [path.as_uri()]
        assert lp.errors == []
        for selector in ("#targets", "#gantt", "#cost-curve", "#system-table"):
            assert lp.page.locator(selector).count() == 1, selector
        assert lp.page.locator("#system-table tbody tr").count() == len(bundled_plan.systems)
        shot = tmp_path / "bundled.png"
        lp.page.screenshot(path=str(shot))
        assert png_size(shot.read_bytes())[0] >= 1000
    finally:
        lp.page.close()
