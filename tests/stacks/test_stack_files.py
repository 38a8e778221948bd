"""Stack files are YAML written by a serializer (issue 12 item 5), images and flavors (item 7)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from planner.plan_model import Plan, Sizing, write_plan
from stacks.generate import generate_stack_files, render_stack_files
from stacks.program import ImageError
from tests.stacks.conftest import IMAGES, make_plan, system

HOSTILE = "阜新\nconfig:\n  govcloud:boundary: external\n# \x1b[31m"


def hostile_plan() -> Plan:
    plan = make_plan([system("a", "fin", wave=0, sizing=Sizing(vcpu=2, ram_gb=4, servers=1))], waves=1)
    return plan.model_copy(update={"inventory": plan.inventory.model_copy(update={"city": HOSTILE})})


def test_a_newline_in_the_city_or_the_plan_path_adds_no_key_to_any_stack_file(tmp_path: Path) -> None:
    plan = hostile_plan()
    ref = "plans/x\n  govcloud:boundary: external"
    result = render_stack_files(plan, ref, "sha256:1", IMAGES)
    for name, text in result.files.items():
        config = yaml.safe_load(text)["config"]
        assert config["govcloud:plan"] == ref, name
        assert "govcloud:boundary" not in config, name
        assert "\x1b" not in text and all(
            line.startswith(("#", "config:", " ")) for line in text.splitlines()
        )


def test_override_values_are_written_as_data(tmp_path: Path) -> None:
    result = render_stack_files(
        hostile_plan(), "p.json", "sha256:1", {**IMAGES, "externalNetwork": "net\nx: 1"}
    )
    config = yaml.safe_load(result.files["Pulumi.platform.yaml"])["config"]
    assert config["govcloud:externalNetwork"] == "net\nx: 1" and "x" not in config


def test_generate_refuses_listing_every_system_whose_os_has_no_image(
    request: pytest.FixtureRequest, bundled_inventory, tmp_path: Path
) -> None:
    plan = request.getfixturevalue("bundled_plan")
    path = tmp_path / "plan.json"
    write_plan(plan, path)
    with pytest.raises(ImageError) as err:
        generate_stack_files(
            plan,
            path,
            tmp_path / "out",
            str(path),
            {"images": ["kylin=img-k", "centos7=img-c7"]},
            inventory=bundled_inventory,
        )
    placed = {s.id for s in plan.systems if s.disposition == "migrate" and s.wave is not None and s.domain}
    os_of = {s.id: s.hosts[0].os for s in bundled_inventory.systems if s.hosts and s.hosts[0].os}
    expected = {sid for sid in placed if not (os_of.get(sid) or "").startswith(("kylin", "centos7"))}
    assert expected and sum(len(v) for v in err.value.missing.values()) == len(expected)
    assert {sid for ids in err.value.missing.values() for sid in ids} == expected
    assert set(err.value.missing) <= {"centos6", "rhel7", "OS unknown"}
    assert not (tmp_path / "out" / "Pulumi.platform.yaml").exists()


def test_undersized_flavor_choices_are_reported() -> None:
    plan = make_plan([system("big", "fin", wave=0, sizing=Sizing(vcpu=128, ram_gb=1024, servers=1))], waves=1)
    result = render_stack_files(plan, "p.json", "sha256:1", IMAGES)
    assert len(result.undersized) == 1 and result.undersized[0].startswith("big: needs 128 vCPU")
