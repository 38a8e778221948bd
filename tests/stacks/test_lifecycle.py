"""Item 6: stacks stay safe across months of waves (pinned plan, deployed systems, protection)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from planner.plan_model import Disposition, Plan, Sizing, write_plan
from stacks.generate import PINNED_PLAN, generate_stack_files
from stacks.lifecycle import LifecycleError, file_digest, pin_deployed
from stacks.preview import PreviewError, PreviewResult, preview_departments, preview_platform, preview_wave
from stacks.program import ImageError
from tests.stacks.conftest import IMAGES, make_plan, system

INSTANCE = "openstack:compute/instance:Instance"
VOLUME = "openstack:blockstorage/volume:Volume"
PORT = "openstack:networking/port:Port"


def three_systems(moved_wave: int = 1, kept_wave: int = 0) -> Plan:
    size = Sizing(vcpu=2, ram_gb=4, storage_gb=20, servers=1)
    return make_plan(
        [
            system("a", "fin", wave=0, sizing=size, mlps_level=2, links=[("b", 5432)]),
            system("b", "fin", wave=kept_wave, sizing=size, mlps_level=2),
            system("c", "hr", wave=moved_wave, sizing=size, mlps_level=2),
        ]
    )


def wave_config(out: Path, wave: int) -> dict:
    return yaml.safe_load((out / f"Pulumi.wave-{wave:02d}.yaml").read_text(encoding="utf-8"))["config"]


def generate(plan: Plan, out: Path, **kw) -> object:
    path = out / "plan.json"
    out.mkdir(parents=True, exist_ok=True)
    write_plan(plan, path)
    return generate_stack_files(plan, path, out, str(path), IMAGES, **kw)


def test_each_stack_file_records_the_digest_of_its_plan(tmp_path: Path) -> None:
    generate(three_systems(), tmp_path)
    digest = file_digest(tmp_path / "plan.json")
    for name in (
        "Pulumi.platform.yaml",
        "Pulumi.departments.yaml",
        "Pulumi.wave-00.yaml",
        "Pulumi.wave-01.yaml",
    ):
        config = yaml.safe_load((tmp_path / name).read_text(encoding="utf-8"))["config"]
        assert config["govcloud:planDigest"] == digest


def test_the_program_refuses_a_plan_other_than_the_one_its_stack_was_generated_from(tmp_path: Path) -> None:
    plan_path = tmp_path / "plan.json"
    write_plan(three_systems(), plan_path)
    overrides = {**IMAGES, "planDigest": "sha256:" + "0" * 64}
    with pytest.raises(PreviewError, match="not the plan this stack was generated from"):
        preview_platform(plan_path, overrides)


def test_the_program_refuses_a_wave_whose_systems_differ_from_its_stack_file(tmp_path: Path) -> None:
    plan_path = tmp_path / "plan.json"
    write_plan(three_systems(), plan_path)
    platform = preview_platform(plan_path, IMAGES)
    with pytest.raises(PreviewError, match="missing: x"):
        preview_wave(plan_path, 0, {**IMAGES, "systems": ["a", "b", "x"]}, platform=platform)


def test_moving_an_undeployed_system_between_waves_regenerates_freely(tmp_path: Path) -> None:
    generate(three_systems(moved_wave=1), tmp_path)
    result = generate(three_systems(moved_wave=0), tmp_path, deployed=["a"], allow_change=["c"])
    assert wave_config(tmp_path, 0)["govcloud:systems"] == ["a", "b", "c"]
    assert wave_config(tmp_path, 1)["govcloud:systems"] == []
    assert result.pinned == {}


def test_a_deployed_wave_does_not_change_unless_told_which_systems_may(tmp_path: Path) -> None:
    generate(three_systems(moved_wave=1), tmp_path)
    before = (tmp_path / "Pulumi.wave-00.yaml").read_text(encoding="utf-8")
    with pytest.raises(LifecycleError, match=r"wave 0 is deployed; the new plan changes its systems: c"):
        generate(three_systems(moved_wave=0), tmp_path, deployed=["a"])
    assert (tmp_path / "Pulumi.wave-00.yaml").read_text(encoding="utf-8") == before


def test_a_deployed_system_stays_in_the_wave_that_built_it_when_the_plan_moves_it(tmp_path: Path) -> None:
    generate(three_systems(kept_wave=0), tmp_path)
    result = generate(three_systems(kept_wave=1), tmp_path, deployed=["b"], allow_change=[])
    assert result.pinned == {"b": (1, 0)}
    assert wave_config(tmp_path, 0)["govcloud:systems"] == ["a", "b"]
    assert wave_config(tmp_path, 0)["govcloud:plan"].endswith(PINNED_PLAN)
    assert wave_config(tmp_path, 0)["govcloud:planDigest"] == file_digest(tmp_path / PINNED_PLAN)


def test_a_regeneration_refused_after_pinning_leaves_the_pinned_plan_and_the_stacks_as_they_were(
    tmp_path: Path,
) -> None:
    generate(three_systems(kept_wave=0), tmp_path)
    generate(three_systems(kept_wave=1), tmp_path, deployed=["b"], allow_change=[])
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    # a (allowed to) and c leave wave 0 for wave 1: a new pinned plan, but no image is configured,
    # which rendering refuses after pinning
    moved = three_systems(kept_wave=1, moved_wave=0)
    moved = moved.model_copy(update={"systems": [s.model_copy(update={"wave": 1}) for s in moved.systems]})
    with pytest.raises(ImageError):
        generate_stack_files(
            moved, tmp_path / "plan.json", tmp_path, "plan.json", {}, deployed=["b"], allow_change=["a"]
        )
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_deployed_system_the_new_plan_retires_is_refused() -> None:
    old = three_systems()
    new = old.model_copy(
        update={
            "systems": [
                s if s.id != "b" else s.model_copy(update={"disposition": Disposition.RETIRE})
                for s in old.systems
            ]
        }
    )
    with pytest.raises(LifecycleError, match="b: deployed by wave 0, but the new plan retires it"):
        pin_deployed(new, {0: ["a", "b"], 1: ["c"]}, deployed=["b"])


def _resources_of(result: PreviewResult, system_id: str) -> dict[str, tuple]:
    """URN -> inputs of a system's resources, less the properties the engine does not diff
    (`ignore_changes`: the user data, whose host key the mock generates anew in each preview
    where the real engine keeps the key resource's state)."""
    return {
        r.urn: tuple(sorted((k, repr(v)) for k, v in r.inputs.items() if k not in r.ignore_changes))
        for r in result.resources
        if f"::{system_id}-" in r.urn
    }


def test_replan_keeps_every_resource_of_a_deployed_system_unchanged(tmp_path: Path) -> None:
    old_dir, new_dir = tmp_path / "old", tmp_path / "new"
    generate(three_systems(moved_wave=1, kept_wave=0), old_dir)
    # the re-plan moves deployed b to wave 1 (kept in 0) and undeployed c to wave 0
    old_plan = old_dir / "plan.json"
    new_dir.mkdir()
    for f in old_dir.glob("Pulumi.wave-*.yaml"):
        (new_dir / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    result = generate(
        three_systems(moved_wave=0, kept_wave=1), new_dir, deployed=["a", "b"], allow_change=["c"]
    )
    assert result.pinned == {"b": (1, 0)}

    def wave0(plan_path: Path, stack_dir: Path) -> PreviewResult:
        config = wave_config(stack_dir, 0)
        overrides = {
            **IMAGES,
            "planDigest": config["govcloud:planDigest"],
            "systems": config["govcloud:systems"],
        }
        platform = preview_platform(plan_path, overrides)
        depts = preview_departments(plan_path, overrides, platform=platform)
        return preview_wave(plan_path, 0, overrides, platform=platform, departments=depts)

    before = wave0(old_plan, old_dir)
    after = wave0(new_dir / PINNED_PLAN, new_dir)
    for sid in ("a", "b"):
        kept = _resources_of(before, sid)
        assert kept and _resources_of(after, sid) == kept, sid
    assert not _resources_of(before, "c") and _resources_of(after, "c")


def test_instances_and_data_volumes_are_protected_and_data_volumes_retained(previews) -> None:
    for wave in (0, 1):
        result: PreviewResult = previews[wave]
        for instance in result.of_type(INSTANCE):
            assert instance.protect and "userData" in instance.ignore_changes
        for volume in result.of_type(VOLUME):
            if volume.name.endswith("-data"):
                assert volume.protect and volume.retain_on_delete
                assert "availabilityZone" in volume.ignore_changes
            else:
                assert "imageId" in volume.ignore_changes
        assert all("binding" in p.ignore_changes for p in result.of_type(PORT))
    assert all(p.protect for p in previews["departments"].of_type("openstack:identity/project:Project"))


def test_existing_resources_are_adopted_with_import_ids_from_config(plan_file) -> None:
    _, path = plan_file
    overrides = {**IMAGES, "imports": ["extranet-net=net-4711", "fin-project=prj-0815"]}
    platform = preview_platform(path, overrides)
    (extranet,) = [r for r in platform.resources if r.name == "extranet-net"]
    assert extranet.import_id == "net-4711" and extranet.id == "net-4711"
    departments = preview_departments(path, overrides, platform=platform)
    projects = {r.name: r for r in departments.of_type("openstack:identity/project:Project")}
    assert projects["fin-project"].import_id == "prj-0815" and projects["hr-project"].import_id == ""


def test_regenerating_for_a_plan_with_fewer_waves_removes_the_wave_it_dropped(tmp_path: Path) -> None:
    generate(three_systems(moved_wave=1), tmp_path)
    assert (tmp_path / "Pulumi.wave-01.yaml").exists()
    one_wave = three_systems(moved_wave=0)
    result = generate(one_wave.model_copy(update={"waves": one_wave.waves[:1]}), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "Pulumi.departments.yaml", "Pulumi.platform.yaml", "Pulumi.wave-00.yaml", "plan.json"
    ]
    assert result.removed == [tmp_path / "Pulumi.wave-01.yaml"]  # type: ignore[attr-defined]
    assert sorted(wave_config(tmp_path, 0)["govcloud:systems"]) == ["a", "b", "c"]


def test_a_regeneration_that_fails_midway_leaves_the_earlier_stack_files_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate(three_systems(moved_wave=1), tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.glob("Pulumi.*.yaml")}
    real_fsync = os.fsync
    calls = []

    def disk_fills_after_one_file(fd: int) -> None:
        calls.append(fd)
        if len(calls) > 1:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", disk_fills_after_one_file)
    with pytest.raises(OSError, match="No space left"):
        generate_stack_files(
            three_systems(moved_wave=0), tmp_path / "plan.json", tmp_path, "plan.json", IMAGES
        )
    monkeypatch.undo()
    assert len(calls) == 2  # one new file was complete before the failure ...
    assert {p.name: p.read_bytes() for p in tmp_path.glob("Pulumi.*.yaml")} == before  # ... and none replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*before, "plan.json"])  # no temporary left
