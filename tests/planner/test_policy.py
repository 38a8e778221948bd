"""The policy file: bundled defaults, validation with file/line/field messages, the calendar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from planner.policy import PolicyError, load_policy, parse_policy

DATA = Path(__file__).resolve().parent.parent / "data" / "policies"


def test_bundled_policy_reproduces_the_documents_numbers(policy):
    assert policy.rooms.max_per_department == 1 and policy.rooms.max_area_m2 == 20
    assert policy.cloud_rate_target == 0.98
    assert policy.survey_date == dt.date(2018, 1, 31)
    assert policy.deadlines.zombie_cleanup == dt.date(2018, 6, 30)
    assert policy.deadlines.all_migrated == policy.deadlines.private_networks == dt.date(2018, 12, 31)
    assert policy.deadlines.pilot == dt.date(2018, 6, 30)
    assert policy.calendar.start == dt.date(2018, 3, 1) and policy.calendar.wave_months == 1
    assert policy.pilot.max_mlps_level <= 2
    assert policy.digest.startswith("sha256:")


def test_every_problem_of_a_bad_policy_is_reported_with_file_line_and_field():
    with pytest.raises(PolicyError) as err:
        load_policy(DATA / "bad.yaml")
    text = str(err.value)
    assert "bad.yaml:3: cloud_rate_target:" in text
    assert "bad.yaml:8: deadlines.zombie_cleanup:" in text
    assert "bad.yaml:17: zombi:" in text  # a typo'd section is refused, not ignored
    assert len(err.value.messages) == 3


def test_missing_policy_file_is_a_clear_error(tmp_path):
    with pytest.raises(PolicyError, match="no such policy file"):
        load_policy(tmp_path / "none.yaml")


def test_policy_that_is_not_yaml_names_its_line():
    with pytest.raises(PolicyError, match=r"<policy>:2: -: not valid YAML"):
        parse_policy("name: x\n  bad: [unclosed\n")


def test_city_policy_overrides_capacity_and_wave_length():
    tight = load_policy(DATA / "tight.yaml")
    assert tight.wave_capacity(1)["systems"] == 2 and tight.wave_capacity(0)["systems"] == 1
    assert tight.wave_start(1) == dt.date(2018, 5, 1) and tight.wave_end(0) == dt.date(2018, 4, 30)
    assert tight.last_wave_by(dt.date(2018, 12, 31)) == 4


def test_deadlines_map_to_the_last_wave_ending_before_them(policy):
    assert policy.last_wave_by(policy.deadlines.all_migrated) == 9
    assert policy.last_wave_by(policy.deadlines.zombie_cleanup) == 3
    assert policy.last_wave_by(dt.date(2018, 3, 30)) is None


def test_capacity_changes_scale_and_set_dimensions(policy):
    from planner.policy import CapacityChange

    changed = policy.model_copy(deep=True)
    changed.capacity_changes = [
        CapacityChange(from_wave=2, to_wave=3, factor=0.5),
        CapacityChange(from_wave=3, set={"team_hours": 7}),
    ]
    assert changed.wave_capacity(1) == policy.wave_capacity(1)
    assert changed.wave_capacity(2)["vcpu"] == policy.capacity.vcpu / 2
    assert changed.wave_capacity(3)["team_hours"] == 7


def test_team_hours_grow_with_size_data_and_protection_level(policy):
    th = policy.team_hours
    assert th.estimate(16, 500, 3) > th.estimate(4, 500, 3) > th.estimate(4, 50, 3) > th.estimate(4, 50, 2)


def test_a_one_key_policy_plans_with_that_capacity_and_the_defaults_elsewhere(tmp_path, inv, plan_of, policy):
    city = tmp_path / "city-policy.yaml"
    city.write_text("# only what differs from the default\ncapacity:\n  systems: 2\n", encoding="utf-8")
    small = load_policy(city)
    assert small.capacity.systems == 2
    assert small.capacity.vcpu == policy.capacity.vcpu  # the rest of the section is the default's
    assert small.model_dump(exclude={"capacity", "name", "digest"}) == policy.model_dump(
        exclude={"capacity", "name", "digest"}
    )
    assert small.name == "city-policy" and small.digest != policy.digest
    for i in range(6):
        inv.system(f"s{i}", mlps_level=3)  # not pilot-eligible: waves 1.. only
    plan = plan_of(inv, small)
    regular = [w for w in plan.waves if not w.pilot]
    assert regular and all(w.capacity.systems == 2 and w.load.systems <= 2 for w in regular)
    assert len([w for w in regular if w.systems]) == 3
    assert plan.policy.name == "city-policy"


def test_a_partial_policy_still_refuses_unknown_keys_and_bad_values_at_their_lines(tmp_path):
    city = tmp_path / "city.yaml"
    city.write_text(
        "name: city\ncapacity:\n  systems: 10\n  sytems: 12\nrooms: {max_area_m2: -1}\npilot: 3\n",
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as err:
        load_policy(city)
    text = str(err.value)
    assert "city.yaml:4: capacity.sytems: Extra inputs are not permitted" in text
    assert "city.yaml:5: rooms.max_area_m2:" in text
    assert "city.yaml:6: pilot:" in text
    assert len(err.value.messages) == 3


def test_lists_in_a_city_policy_replace_the_defaults_lists(tmp_path, policy):
    city = tmp_path / "city.yaml"
    city.write_text("zombie: {small_scopes: [unit, department]}\n", encoding="utf-8")
    zombie = load_policy(city).zombie
    assert zombie.small_scopes == ["unit", "department"]
    assert zombie.low_monthly_users == policy.zombie.low_monthly_users


def test_a_policy_of_only_comments_is_the_default(tmp_path, policy):
    city = tmp_path / "same.yaml"
    city.write_text("# we use the documents' numbers\n", encoding="utf-8")
    assert load_policy(city).model_dump(exclude={"name", "digest"}) == policy.model_dump(
        exclude={"name", "digest"}
    )
