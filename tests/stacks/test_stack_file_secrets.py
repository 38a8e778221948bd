"""Regenerating the stack files keeps what the Pulumi CLI wrote into them (secrets, their provider).

The fixtures write what `pulumi stack init` / `pulumi config set [--secret]` add to a stack file
(Pulumi's stack settings file reference): the secrets-provider keys at the top (`encryptionsalt`
for the passphrase provider; `secretsprovider` and `encryptedkey` for a KMS one) and, under
`config:`, `{secure: <ciphertext>}` values and provider settings such as `openstack:region`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from planner.plan_model import Plan, Sizing, write_plan
from stacks.generate import GenerateResult, KeptKeys, StackFileError, generate_stack_files
from stacks.lifecycle import file_digest
from tests.stacks.conftest import IMAGES, make_plan, system

SALT = "v1:BNJOCpOPGV4=:v1:9jpeMm7HcnK+6+Wt:gcfklR9vOw=="
PASSWORD = "v1:LToJ+3kqSG30mW3P:6F1Gm7QFBUwKOBPBzA8x1QCq0Jw="
KMS_KEY = "AQICAHgFl1+CIJQc3TnKQ5ozVq0dxUwpG7kWBnP3mH0d8yZ4fgHkYpN0aBc="
KMS_SECRET = "AAABAJcNQDPX5IKQc3TnuCnoX8tEDVG/tWlAtBvnzOTNK2Hp"


def plan_of(waves: int, c_wave: int) -> Plan:
    size = Sizing(vcpu=2, ram_gb=4, storage_gb=20, servers=1)
    return make_plan(
        [
            system("a", "fin", wave=0, sizing=size),
            system("b", "fin", wave=0, sizing=size),
            system("c", "hr", wave=c_wave, sizing=size),
        ],
        waves=waves,
    )


def generate(plan: Plan, out: Path, overrides: dict | None = None) -> GenerateResult:
    path = out / "plan.json"
    out.mkdir(parents=True, exist_ok=True)
    write_plan(plan, path)
    return generate_stack_files(plan, path, out, str(path), {**IMAGES, **(overrides or {})})


def regenerate(plan: Plan, out: Path, overrides: dict | None = None) -> GenerateResult:
    """Generate again from the plan.json already there (so a refusal must leave every file as it was)."""
    return generate_stack_files(plan, out / "plan.json", out, "plan.json", {**IMAGES, **(overrides or {})})


def pulumi_cli_adds(path: Path, top: str, config: str) -> None:
    """What the Pulumi CLI leaves in a stack file: its keys above `config:`, its entries under it."""
    text = path.read_text(encoding="utf-8")
    head, sep, rest = text.partition("config:\n")
    assert sep, "a generated file has a config: section"
    path.write_text(head + top + sep + config + rest, encoding="utf-8")


WAVE_TOP = f"encryptionsalt: {SALT}\n"
WAVE_CONFIG = (
    f"  govcloud:deployPassword:\n    secure: {PASSWORD}\n"
    "  openstack:region: RegionOne\n"
    '  openstack:insecure: "true"\n'
)
PLATFORM_TOP = f"secretsprovider: awskms://alias/govcloud-secrets\nencryptedkey: {KMS_KEY}\n"
PLATFORM_CONFIG = f"  openstack:cacertFile:\n    secure: {KMS_SECRET}\n"


def shows_part_of(secret: str, text: str) -> bool:
    """Whether *text* shows any 8 characters of *secret* (a YAML error's snippet shows a part)."""
    return any(secret[i : i + 8] in text for i in range(len(secret) - 7))


def stack_files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def config_of(out: Path, name: str) -> dict:
    return yaml.safe_load((out / name).read_text(encoding="utf-8"))


@pytest.fixture
def engineered(tmp_path: Path) -> Path:
    """Stack files of a two-wave plan after an engineer ran the Pulumi CLI on wave-00 and platform."""
    generate(plan_of(waves=2, c_wave=1), tmp_path)
    pulumi_cli_adds(tmp_path / "Pulumi.wave-00.yaml", WAVE_TOP, WAVE_CONFIG)
    pulumi_cli_adds(tmp_path / "Pulumi.platform.yaml", PLATFORM_TOP, PLATFORM_CONFIG)
    return tmp_path


def test_regenerating_keeps_secure_values_provider_keys_and_other_namespaces_and_updates_the_plan(
    engineered: Path,
) -> None:
    out = engineered
    before = (out / "Pulumi.wave-00.yaml").read_text(encoding="utf-8")
    result = generate(plan_of(waves=2, c_wave=0), out, {"externalNetwork": "internet"})
    wave0 = config_of(out, "Pulumi.wave-00.yaml")
    assert wave0["encryptionsalt"] == SALT
    assert wave0["config"]["govcloud:deployPassword"] == {"secure": PASSWORD}
    assert wave0["config"]["openstack:region"] == "RegionOne"
    assert wave0["config"]["openstack:insecure"] == "true"
    # ... and the managed keys follow the new plan
    assert wave0["config"]["govcloud:systems"] == ["a", "b", "c"]
    assert wave0["config"]["govcloud:planDigest"] == file_digest(out / "plan.json")
    assert wave0["config"]["govcloud:externalNetwork"] == "internet"
    text = (out / "Pulumi.wave-00.yaml").read_text(encoding="utf-8")
    for line in (WAVE_TOP + WAVE_CONFIG).splitlines():  # byte for byte, as the CLI wrote them
        assert line in text.splitlines(), line
    assert text.index("encryptionsalt:") < text.index("config:")
    assert before != text
    platform = config_of(out, "Pulumi.platform.yaml")
    assert (platform["secretsprovider"], platform["encryptedkey"]) == (
        "awskms://alias/govcloud-secrets",
        KMS_KEY,
    )
    assert platform["config"]["openstack:cacertFile"] == {"secure": KMS_SECRET}
    assert result.kept == {
        "Pulumi.platform.yaml": KeptKeys(
            ("secretsprovider", "encryptedkey", "openstack:cacertFile"), ("openstack:cacertFile",)
        ),
        "Pulumi.wave-00.yaml": KeptKeys(
            ("encryptionsalt", "govcloud:deployPassword", "openstack:region", "openstack:insecure"),
            ("govcloud:deployPassword",),
        ),
    }
    # a second regeneration keeps them again, and changes nothing more
    again = generate(plan_of(waves=2, c_wave=0), out, {"externalNetwork": "internet"})
    assert again.kept == result.kept and (out / "Pulumi.wave-00.yaml").read_text(encoding="utf-8") == text


def test_a_kept_value_comes_back_as_the_pulumi_cli_wrote_it_not_as_yaml_1_1_reads_it(tmp_path: Path) -> None:
    # Strings in YAML 1.2 (the Pulumi CLI's), left unquoted; PyYAML's 1.1 rules read 750, True, a date.
    generate(plan_of(waves=1, c_wave=0), tmp_path)
    plain = "  openstack:x-window: 12:30\n  openstack:x-flag: yes\n  openstack:x-day: 2018-03-01\n"
    pulumi_cli_adds(tmp_path / "Pulumi.wave-00.yaml", "", plain)
    generate(plan_of(waves=1, c_wave=0), tmp_path)
    lines = (tmp_path / "Pulumi.wave-00.yaml").read_text(encoding="utf-8").splitlines()
    assert all(line in lines for line in plain.splitlines())


BROKEN = {
    "not YAML": (
        f"config:\n  govcloud:deployPassword:\n    secure: {PASSWORD}: x\n",
        "not valid YAML (line 3",
    ),
    "a value not of its tag": (
        f"config:\n  govcloud:deployPassword:\n    secure: !!int {PASSWORD}\n",
        "not valid YAML (a value does not fit its tag)",
    ),
    "not a mapping": ("- govcloud:layer: wave\n", "not a YAML mapping"),
    "config not a mapping": (
        f"encryptionsalt: {SALT}\nconfig: [govcloud:layer]\n",
        "config is not a mapping",
    ),
    "an unknown top-level key": (
        "environment:\n  - shared\nconfig:\n  govcloud:layer: wave\n  govcloud:wave: 0\n",
        "top-level key environment",
    ),
    "a key twice": (
        "config:\n  govcloud:layer: wave\n  govcloud:wave: 0\n  govcloud:wave: 1\n",
        "config names govcloud:wave twice",
    ),
    "a salt not a string": (
        "encryptionsalt: [1]\nconfig:\n  govcloud:layer: wave\n",
        "encryptionsalt is not a string",
    ),
    "another layer": ("config:\n  govcloud:layer: platform\n", "not a stack file govcloud wrote"),
    "no wave number": ("config:\n  govcloud:layer: wave\n", "not a stack file govcloud wrote"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_an_earlier_stack_file_that_cannot_be_read_is_refused_by_name_and_nothing_is_written(
    engineered: Path, case: str
) -> None:
    text, expected = BROKEN[case]
    broken = engineered / "Pulumi.wave-01.yaml"
    broken.write_text(text, encoding="utf-8")
    before = stack_files(engineered)
    with pytest.raises(StackFileError) as err:
        regenerate(plan_of(waves=2, c_wave=0), engineered)
    message = str(err.value)
    assert message.startswith(f"{broken}: ") and expected in message, message
    assert not shows_part_of(PASSWORD, message) and not shows_part_of(SALT, message)
    assert stack_files(engineered) == before  # old files untouched, no temporary file left


def test_a_file_the_pulumi_cli_made_before_the_first_generate_is_carried_over(tmp_path: Path) -> None:
    # `pulumi stack init platform`, then `pulumi config set [--secret]`: nothing of govcloud's yet
    (tmp_path / "Pulumi.platform.yaml").write_text(
        f"encryptionsalt: {SALT}\nconfig:\n  govcloud:deployPassword:\n    secure: {PASSWORD}\n"
        "  openstack:region: RegionOne\n",
        encoding="utf-8",
    )
    result = generate(plan_of(waves=1, c_wave=0), tmp_path)
    platform = config_of(tmp_path, "Pulumi.platform.yaml")
    assert platform["encryptionsalt"] == SALT and platform["config"]["govcloud:layer"] == "platform"
    assert platform["config"]["govcloud:deployPassword"] == {"secure": PASSWORD}
    assert platform["config"]["openstack:region"] == "RegionOne"
    assert result.kept["Pulumi.platform.yaml"].names == (
        "encryptionsalt", "govcloud:deployPassword", "openstack:region"
    )


def test_a_file_with_govclouds_keys_of_another_stack_is_refused_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.platform.yaml").write_text(
        f"encryptionsalt: {SALT}\nconfig:\n  govcloud:layer: wave\n  govcloud:wave: 3\n", encoding="utf-8"
    )
    with pytest.raises(StackFileError, match="Pulumi.platform.yaml: not a stack file govcloud wrote"):
        generate(plan_of(waves=1, c_wave=0), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Pulumi.platform.yaml", "plan.json"]


def test_a_file_not_utf8_is_refused_by_name(engineered: Path) -> None:
    (engineered / "Pulumi.departments.yaml").write_bytes(b"config:\n  govcloud:layer: \xff\n")
    with pytest.raises(StackFileError, match=r"Pulumi.departments.yaml: not UTF-8 text"):
        generate(plan_of(waves=2, c_wave=0), engineered)


def test_a_named_pipe_at_a_stack_files_name_is_refused_without_waiting_for_a_writer(engineered: Path) -> None:
    (engineered / "Pulumi.wave-01.yaml").unlink()
    os.mkfifo(engineered / "Pulumi.wave-01.yaml")
    with pytest.raises(StackFileError, match=r"Pulumi.wave-01.yaml: is a named pipe"):
        generate(plan_of(waves=2, c_wave=0), engineered)


def test_a_secret_under_a_key_generate_writes_is_refused_naming_file_and_key(engineered: Path) -> None:
    pulumi_cli_adds(
        engineered / "Pulumi.wave-01.yaml", WAVE_TOP, f"  govcloud:authUrl:\n    secure: {PASSWORD}\n"
    )
    before = stack_files(engineered)
    with pytest.raises(StackFileError) as err:
        regenerate(plan_of(waves=2, c_wave=0), engineered, {"authUrl": "https://keystone.example:5000/v3"})
    message = str(err.value)
    assert f"{engineered / 'Pulumi.wave-01.yaml'}: govcloud:authUrl holds a secret" in message
    assert "pulumi config rm govcloud:authUrl -s wave-01" in message and "--set" in message
    assert not shows_part_of(PASSWORD, message)
    assert stack_files(engineered) == before


def test_a_secret_under_a_per_stack_key_is_refused_too(engineered: Path) -> None:
    # `pulumi config set --secret govcloud:plan` replaces the plain entry generate wrote
    path = engineered / "Pulumi.departments.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    (at,) = [i for i, line in enumerate(lines) if line.startswith("  govcloud:plan:")]
    lines[at : at + 1] = ["  govcloud:plan:\n", f"    secure: {PASSWORD}\n"]
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(
        StackFileError, match=r"govcloud:plan holds a secret, but generate writes govcloud:plan from the plan"
    ):
        generate(plan_of(waves=2, c_wave=0), engineered)


def test_a_secret_under_an_optional_key_generate_does_not_write_is_kept(engineered: Path) -> None:
    pulumi_cli_adds(engineered / "Pulumi.wave-01.yaml", "", f"  govcloud:authUrl:\n    secure: {PASSWORD}\n")
    result = generate(plan_of(waves=2, c_wave=0), engineered)
    assert config_of(engineered, "Pulumi.wave-01.yaml")["config"]["govcloud:authUrl"] == {"secure": PASSWORD}
    assert result.kept["Pulumi.wave-01.yaml"].secret == ("govcloud:authUrl",)


def test_removing_a_dropped_waves_file_says_which_secrets_it_held(engineered: Path) -> None:
    pulumi_cli_adds(
        engineered / "Pulumi.wave-01.yaml", WAVE_TOP, f"  govcloud:deployPassword:\n    secure: {PASSWORD}\n"
    )
    result = generate(plan_of(waves=1, c_wave=0), engineered)
    gone = engineered / "Pulumi.wave-01.yaml"
    assert result.removed == [gone] and not gone.exists()
    assert result.dropped == {
        gone: KeptKeys(("encryptionsalt", "govcloud:deployPassword"), ("govcloud:deployPassword",))
    }


def test_removing_a_wave_file_that_held_nothing_of_the_cli_reports_nothing_dropped(engineered: Path) -> None:
    result = generate(plan_of(waves=1, c_wave=0), engineered)
    assert result.removed == [engineered / "Pulumi.wave-01.yaml"] and result.dropped == {}
