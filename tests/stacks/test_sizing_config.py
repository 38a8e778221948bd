"""Flavor choice, volume layout and the typed stack configuration."""

from __future__ import annotations

import pytest

from planner.plan_model import Sizing
from stacks.config import ConfigError, Flavor, Layer, defaults, settings_from_values
from stacks.sizing import nearest_flavor, server_layout

CATALOGUE = (
    Flavor("small", 1, 2),
    Flavor("medium", 2, 4),
    Flavor("large", 4, 8),
    Flavor("mem", 4, 16),
    Flavor("cpu", 8, 8),
)


def test_nearest_flavor_is_the_least_oversized_one_that_fits() -> None:
    assert nearest_flavor(2, 4, CATALOGUE) == (CATALOGUE[1], False)
    assert nearest_flavor(3, 5, CATALOGUE)[0].name == "large"
    assert nearest_flavor(4, 12, CATALOGUE)[0].name == "mem"
    assert nearest_flavor(6, 6, CATALOGUE)[0].name == "cpu"


def test_a_system_bigger_than_every_flavor_is_marked_undersized() -> None:
    flavor, undersized = nearest_flavor(64, 512, CATALOGUE)
    assert undersized and flavor.name == "cpu"


def test_layout_splits_cpu_ram_and_storage_over_the_servers() -> None:
    lay = server_layout(Sizing(vcpu=8, ram_gb=16, storage_gb=301, servers=2), CATALOGUE, boot_gb=40)
    assert (lay.flavor.name, lay.servers, lay.data_gb, lay.volumes, lay.anti_affinity) == (
        "large",
        2,
        151,
        4,
        True,
    )
    empty = server_layout(Sizing(vcpu=1, ram_gb=1, storage_gb=0, servers=0), CATALOGUE, boot_gb=40)
    assert (empty.servers, empty.volumes, empty.anti_affinity) == (1, 1, False)


def test_defaults_come_from_pulumi_yaml() -> None:
    s = settings_from_values({})
    assert s.layer is Layer.WAVE and s.boot_volume_gb == defaults()["bootVolumeGb"]
    assert len(s.flavors) == len(defaults()["flavors"])


def test_stack_values_override_defaults_and_are_typed() -> None:
    s = settings_from_values(
        {"layer": "platform", "wave": "3", "flavors": '["a=2/4"]', "quotaHeadroom": "1.5"}
    )
    assert (s.layer, s.wave, s.flavors, s.quota_headroom) == (Layer.PLATFORM, 3, (Flavor("a", 2, 4.0),), 1.5)
    assert s.wave_stack(3) == "organization/govcloud/wave-03"


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ({"flavors": ["large"]}, "govcloud:flavors"),
        ({"publicServiceCidr": "10.0.0.1/8"}, "govcloud:publicServiceCidr"),
        ({"wave": "two"}, "govcloud:wave"),
        ({"layer": "cluster"}, "govcloud:layer"),
        ({"defaultImage": "rhel"}, "govcloud:defaultImage"),
        ({"quotaHeadroom": "0.5"}, "govcloud:quotaHeadroom"),
        ({"colour": "blue"}, "govcloud:colour"),
    ],
)
def test_bad_config_names_its_key(values: dict, key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        settings_from_values(values)


def test_image_is_chosen_by_os_prefix_else_the_default() -> None:
    s = settings_from_values(
        {"images": ["default=img-0", "centos=img-c", "centos7=img-c7"], "defaultImage": "default"}
    )
    assert s.image_for("CentOS7.9") == "img-c7"
    assert s.image_for("centos 8") == "img-c"
    assert s.image_for("Kylin V10") == "img-0" == s.image_for(None)


def test_without_a_default_image_an_unknown_os_has_no_image() -> None:
    s = settings_from_values({"images": ["centos=img-c"]})
    assert s.image_for("kylin10") is None and s.image_for(None) is None
    assert settings_from_values({}).images == {}  # no placeholder image by default
