"""Baseline access and user LANs from config and the inventory (item 5), and the progress database
feeding `stacks generate` (item 6)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from inventory.models import Building, Department
from planner.plan_model import write_plan
from stacks.access import METADATA_CIDR, baseline_rules, department_lans, extranet_destinations, user_rules
from stacks.config import ServicePort, settings_from_values
from tests.stacks.conftest import make_plan, system


def test_baseline_rules_come_from_config() -> None:
    s = settings_from_values(
        {"controllerCidr": "192.0.2.0/28", "dnsNameservers": ["192.0.2.53"], "ntpServers": ["192.0.2.123"]}
    )
    rules = {(r.direction, r.protocol, r.port, r.remote_cidr, r.purpose) for r in baseline_rules(s)}
    assert rules == {
        ("ingress", "tcp", 22, "192.0.2.0/28", "ssh"),
        ("egress", "udp", 53, "192.0.2.53/32", "dns"),
        ("egress", "tcp", 53, "192.0.2.53/32", "dns"),
        ("egress", "udp", 123, "192.0.2.123/32", "ntp"),
        ("egress", "tcp", 80, METADATA_CIDR, "metadata"),
        ("egress", "tcp", 80, s.package_mirror_cidr, "mirror"),
        ("egress", "tcp", 443, s.package_mirror_cidr, "mirror"),
    }
    assert [r for r in rules if r[0] == "ingress"] == [("ingress", "tcp", 22, "192.0.2.0/28", "ssh")]


def test_user_lans_come_from_the_department_else_its_building(bundled_inventory) -> None:
    inv = bundled_inventory.model_copy(deep=True)
    inv.departments[0].lan_cidrs = ["10.200.1.0/24"]
    building = next(b for b in inv.buildings if b.id == inv.departments[1].building)
    building.lan_cidrs = ["10.200.9.0/24"]
    lans = department_lans(inv, ["172.16.0.0/12"])
    assert lans[inv.departments[0].id] == ("10.200.1.0/24",)
    assert all(
        lans[d.id] == ("10.200.9.0/24",)
        for d in inv.departments[1:]
        if d.building == building.id and not d.lan_cidrs
    )
    assert department_lans(None, ["172.16.0.0/12"]) == {}
    s = settings_from_values({})
    assert extranet_destinations(s, ["10.200.1.0/24", "172.16.5.0/24"]) == [s.cidrs.extranet, "10.200.1.0/24"]
    assert [(r.port, r.remote_cidr) for r in user_rules(["10.200.1.0/24"], [ServicePort("tcp", 8443)])] == [
        (8443, "10.200.1.0/24")
    ]


def test_lan_cidrs_must_be_networks() -> None:
    with pytest.raises(ValidationError, match="lan_cidrs"):
        Department(id="d", name="D", region="r", building="b", lan_cidrs=["10.0.0.1/8"])
    with pytest.raises(ValidationError, match="lan_cidrs"):
        Building(id="b", name="B", region="r", lan_cidrs=["not-a-cidr"])
    assert Department(id="d", name="D", region="r", building="b").lan_cidrs == []


def test_generate_keeps_systems_the_progress_database_records_as_migrated(
    cli, runner, tmp_path: Path
) -> None:
    from sqlalchemy.orm import Session

    from reporting.progress import Base, EventRow, make_engine

    out = tmp_path / "stacks"
    images = ["--set", 'images=["default=img-1"]', "--set", "defaultImage=default"]
    first = make_plan([system("a", "fin", wave=0), system("b", "fin", wave=0)], waves=2)
    moved = make_plan([system("a", "fin", wave=1), system("b", "fin", wave=1)], waves=2)
    p1, p2 = tmp_path / "p1.json", tmp_path / "p2.json"
    write_plan(first, p1)
    write_plan(moved, p2)
    assert (
        runner.invoke(cli, ["stacks", "generate", "--plan", str(p1), "--out", str(out), *images]).exit_code
        == 0
    )
    url = f"sqlite:///{tmp_path / 'progress.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(
            EventRow(
                family="system",
                subject="a",
                kind="system_migrated",
                date=dt.date(2026, 11, 1),
                note="",
                plan_digest="",
                recorded_at=dt.datetime(2026, 11, 1),
            )
        )
        session.commit()
    engine.dispose()
    args = ["stacks", "generate", "--plan", str(p2), "--out", str(out), "--progress-db", url, *images]
    refused = runner.invoke(cli, args)
    assert refused.exit_code == 1 and "wave 0 is deployed" in refused.output and "b" in refused.output
    allowed = runner.invoke(cli, [*args, "--allow-change", "b"])
    assert allowed.exit_code == 0, allowed.output
    assert "kept a in wave 0" in allowed.output
    wave0 = yaml.safe_load((out / "Pulumi.wave-00.yaml").read_text(encoding="utf-8"))["config"]
    wave1 = yaml.safe_load((out / "Pulumi.wave-01.yaml").read_text(encoding="utf-8"))["config"]
    assert wave0["govcloud:systems"] == ["a"] and wave1["govcloud:systems"] == ["b"]
