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
