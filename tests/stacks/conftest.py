"""Plans built in the tests, and their previews under Pulumi's mock runtime (run once per session)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from planner.plan_model import InventoryRef, Link, Plan, PlanSystem, PolicyRef, Sizing, Wave, write_plan


def system(
    sid: str,
    dept: str,
    disposition: str = "migrate",
    domain: str | None = "administrative_service",
    wave: int | None = 0,
    links: list[tuple[str, int]] | None = None,
    **kw: Any,
) -> PlanSystem:
    """A plan system; links are (target, port) over tcp."""
    return PlanSystem(
        id=sid,
        department=dept,
        disposition=disposition,
        domain=domain if disposition == "migrate" else None,
        wave=wave,
        links=[
            Link(system=t, kind="data", protocol="tcp", port=p, boundary="same_domain")
            for t, p in links or []
        ],
        **kw,
    )


def make_plan(systems: list[PlanSystem], waves: int = 2) -> Plan:
    return Plan(
        inventory=InventoryRef(city="testcity", systems=len(systems), digest="sha256:0"),
        policy=PolicyRef(name="default", digest="sha256:0"),
        systems=systems,
        waves=[
            Wave(number=n, start=dt.date(2018, 3 + n, 1), end=dt.date(2018, 3 + n, 28)) for n in range(waves)
        ],
    )


def two_wave_plan() -> Plan:
    """Two waves with every disposition, cross-wave, cross-domain, merged and off-cloud flows."""
    return make_plan(
        [
            # wave 0
            system(
                "fin-db",
                "fin",
                mlps_level=2,
                sizing=Sizing(vcpu=4, ram_gb=8, storage_gb=0, servers=1),
                rules=["CLASS-1", "DOMAIN-1"],
            ),
            system(
                "portal",
                "gov",
                domain="public_service",
                public_facing=True,
                mlps_level=2,
                sizing=Sizing(vcpu=2, ram_gb=4, storage_gb=50, servers=1),
                rules=["DOMAIN-1"],
            ),
            system(
                "edu-intra-web",
                "edu",
                public_facing=True,
                mlps_level=2,  # public-facing, administrative domain
                sizing=Sizing(vcpu=1, ram_gb=2, storage_gb=20),
            ),
            system("old-report", "fin", disposition="retire", wave=0, links=[("fin-db", 5432)]),
            system(
                "hr-leave", "hr", disposition="merge", wave=0, into="fin-budget", links=[("fin-db", 5432)]
            ),
            # wave 1
            system(
                "fin-budget",
                "fin",
                wave=1,
                mlps_level=3,
                sizing=Sizing(vcpu=8, ram_gb=16, storage_gb=500, servers=2),
                rules=["CLASS-1", "DOMAIN-1", "MLPS-3"],
                links=[
                    ("fin-db", 5432),
                    ("portal", 443),
                    ("tax-golden", 8443),
                    ("old-report", 80),
                    ("secret-db", 1521),
                ],
            ),
            system(
                "hr-app",
                "hr",
                wave=1,
                mlps_level=1,
                sizing=Sizing(vcpu=2, ram_gb=3, storage_gb=10),
                links=[("hr-leave", 8080)],
            ),  # merged into fin-budget: the flow goes there
            # no resources, ever
            system("tax-golden", "tax", disposition="programme", wave=None),
            system("secret-db", "sec", disposition="intranet", wave=None, links=[("fin-budget", 22)]),
            system("stuck", "fin", disposition="blocked", wave=None, links=[("portal", 443)]),
            system("lan-print", "edu", disposition="keep_local", wave=None),
        ]
    )


@pytest.fixture(scope="session")
def plan_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Plan, Path]:
    plan = two_wave_plan()
    path = tmp_path_factory.mktemp("plan") / "plan.json"
    write_plan(plan, path)
    return plan, path


# The catalogue the tests' stacks use: every OS falls back to one image (no inventory).
IMAGES = {"images": ["default=img-debian12"], "defaultImage": "default"}


@pytest.fixture(scope="session")
def previews(plan_file: tuple[Plan, Path]) -> dict[str, Any]:
    """The platform, departments and both wave stacks of the two-wave plan, previewed under mocks."""
    from stacks.preview import preview_departments, preview_platform, preview_wave

    _, path = plan_file
    platform = preview_platform(path, IMAGES)
    departments = preview_departments(path, IMAGES, platform=platform)
    return {
        "platform": platform,
        "departments": departments,
        0: preview_wave(path, 0, IMAGES, platform=platform, departments=departments),
        1: preview_wave(path, 1, IMAGES, platform=platform, departments=departments),
    }


@pytest.fixture(scope="session")
def bundled_previews(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """Every stack of the bundled city, previewed once per session (with its inventory's LANs)."""
    from stacks.preview import preview_departments, preview_platform, preview_wave

    plan = request.getfixturevalue("bundled_plan")  # the acceptance tests of item 5 never skip
    path = tmp_path_factory.mktemp("bundled") / "plan.json"
    write_plan(plan, path)
    platform = preview_platform(path, IMAGES)
    departments = preview_departments(path, IMAGES, platform=platform)
    out: dict[Any, Any] = {"plan": plan, "path": path, "platform": platform, "departments": departments}
    for wave in sorted(w.number for w in plan.waves):
        out[wave] = preview_wave(path, wave, IMAGES, platform=platform, departments=departments)
    return out


SECRET_SIG = ("4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270")


def secret_value(value: Any) -> Any:
    """The value of a secret input as the mock engine receives it; fails when it is not secret."""
    assert isinstance(value, dict) and value.get(SECRET_SIG[0]) == SECRET_SIG[1], "not a secret"
    return value["value"]


def user_data(instance: Any) -> dict[str, Any]:
    """An instance's cloud-config (a secret input: it carries the host's private key)."""
    text = secret_value(instance.inputs["userData"])
    header, body = text.split("\n", 1)
    assert header == "#cloud-config"
    doc = yaml.safe_load(body)
    assert isinstance(doc, dict)
    return doc
