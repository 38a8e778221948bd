"""The policy pack's checks, called directly with passing and failing resources."""

from __future__ import annotations

from pathlib import Path

from stacks import tags
from stacks.policy import rules

ADMIN = [tags.tag(tags.DOMAIN, "administrative_service")]
PUBLIC = [tags.tag(tags.DOMAIN, "public_service")]
WEB_URN = (
    f"urn:pulumi:platform::govcloud::{tags.PUBLIC_WEB_TYPE}$openstack:networking/secGroupRule:SecGroupRule::w"
)


def test_floating_ip_in_the_administrative_domain_is_refused() -> None:
    assert rules.no_public_ip_in_administrative_domain(rules.FLOATING_IP, {"pool": "public", "tags": ADMIN})
    assert rules.no_public_ip_in_administrative_domain(rules.FLOATING_IP, {"pool": "public"})


def test_floating_ip_in_the_public_service_domain_is_allowed() -> None:
    assert (
        rules.no_public_ip_in_administrative_domain(rules.FLOATING_IP, {"pool": "public", "tags": PUBLIC})
        == []
    )


def test_internet_gateway_on_an_administrative_router_is_refused() -> None:
    assert rules.no_public_ip_in_administrative_domain(
        rules.ROUTER, {"externalNetworkId": "x", "tags": ADMIN}
    )
    assert rules.no_public_ip_in_administrative_domain(rules.ROUTER, {"tags": ADMIN}) == []
    assert (
        rules.no_public_ip_in_administrative_domain(rules.ROUTER, {"externalNetworkId": "x", "tags": PUBLIC})
        == []
    )


def test_ingress_from_anywhere_is_refused() -> None:
    rule = {
        "direction": "ingress",
        "protocol": "tcp",
        "portRangeMin": 22,
        "portRangeMax": 22,
        "remoteIpPrefix": "0.0.0.0/0",
    }
    assert rules.no_open_ingress(rules.SEC_GROUP_RULE, rule)
    # no remote at all means "from anywhere" in Neutron
    assert rules.no_open_ingress(rules.SEC_GROUP_RULE, {"direction": "ingress", "protocol": "tcp"})
    assert rules.no_open_ingress(rules.SEC_GROUP_RULE, {**rule, "remoteIpPrefix": "::/0"})


def test_https_from_anywhere_is_allowed_only_in_the_public_web_group() -> None:
    https = {
        "direction": "ingress",
        "protocol": "tcp",
        "portRangeMin": 443,
        "portRangeMax": 443,
        "remoteIpPrefix": "0.0.0.0/0",
    }
    assert rules.no_open_ingress(rules.SEC_GROUP_RULE, https, WEB_URN) == []
    assert rules.no_open_ingress(rules.SEC_GROUP_RULE, https, "urn:pulumi:w::govcloud::x::y")
    assert rules.no_open_ingress(
        rules.SEC_GROUP_RULE, {**https, "portRangeMin": 1, "portRangeMax": 65535}, WEB_URN
    )


def test_ingress_from_a_group_or_a_named_range_and_egress_are_allowed() -> None:
    assert (
        rules.no_open_ingress(rules.SEC_GROUP_RULE, {"direction": "ingress", "remoteGroupId": "sg-1"}) == []
    )
    assert (
        rules.no_open_ingress(
            rules.SEC_GROUP_RULE, {"direction": "ingress", "remoteIpPrefix": "172.16.0.0/12"}
        )
        == []
    )
    assert (
        rules.no_open_ingress(rules.SEC_GROUP_RULE, {"direction": "egress", "remoteIpPrefix": "0.0.0.0/0"})
        == []
    )


def test_boundary_firewall_rule_from_any_source_is_refused() -> None:
    assert rules.no_open_ingress(rules.FIREWALL_RULE, {"action": "allow", "protocol": "tcp"})
    assert (
        rules.no_open_ingress(rules.FIREWALL_RULE, {"action": "allow", "sourceIpAddress": "10.64.0.0/14"})
        == []
    )
    assert rules.no_open_ingress(rules.FIREWALL_RULE, {"action": "deny"}) == []


def test_instance_without_system_or_mlps_tag_is_refused() -> None:
    good = {"metadata": {tags.SYSTEM: "fin-budget", tags.MLPS: "3"}}
    assert rules.instance_tagged(rules.INSTANCE, good) == []
    assert len(rules.instance_tagged(rules.INSTANCE, {"metadata": {}})) == 2
    assert rules.instance_tagged(rules.INSTANCE, {"metadata": {tags.SYSTEM: "x", tags.MLPS: "unknown"}})


GUARD = rules.GuardConfig(frozenset({"luks-ssd", "luks-hdd"}), "10.79.0.16/28")


def test_protected_volume_must_be_on_a_configured_encrypting_type_whatever_its_flags_say() -> None:
    meta = {tags.MLPS: "3", tags.ENCRYPTED: "true", tags.BACKUP: "daily"}
    assert (
        rules.protected_volume_encrypted(
            rules.VOLUME, {"volumeType": "luks-ssd", "metadata": meta}, "", GUARD
        )
        == []
    )
    # the program's own flag proves nothing: the type must be one the cloud encrypts
    assert rules.protected_volume_encrypted(
        rules.VOLUME, {"volumeType": "encrypted", "metadata": meta}, "", GUARD
    )
    assert rules.protected_volume_encrypted(rules.VOLUME, {"volumeType": "encrypted", "metadata": meta}) == []


def test_protected_volume_needs_encryption_and_backup_flags() -> None:
    meta = {tags.MLPS: "3", tags.ENCRYPTED: "true", tags.BACKUP: "daily"}
    assert rules.protected_volume_encrypted(rules.VOLUME, {"volumeType": "encrypted", "metadata": meta}) == []
    assert rules.protected_volume_encrypted(
        rules.VOLUME, {"volumeType": "std", "metadata": {**meta, tags.ENCRYPTED: "false"}}
    )
    no_backup = {k: v for k, v in meta.items() if k != tags.BACKUP}
    assert rules.protected_volume_encrypted(rules.VOLUME, {"volumeType": "encrypted", "metadata": no_backup})
    assert rules.protected_volume_encrypted(rules.VOLUME, {"volumeType": "std", "metadata": {}})


def test_unprotected_volume_needs_no_encryption() -> None:
    assert rules.protected_volume_encrypted(rules.VOLUME, {"size": 10, "metadata": {tags.MLPS: "2"}}) == []


def test_ssh_from_a_range_other_than_the_controller_is_refused() -> None:
    ssh = {"direction": "ingress", "protocol": "tcp", "portRangeMin": 22, "portRangeMax": 22}
    assert (
        rules.ssh_only_from_controller(
            rules.SEC_GROUP_RULE, {**ssh, "remoteIpPrefix": "10.79.0.16/28"}, "", GUARD
        )
        == []
    )
    assert (
        rules.ssh_only_from_controller(
            rules.SEC_GROUP_RULE, {**ssh, "remoteIpPrefix": "10.79.0.17/32"}, "", GUARD
        )
        == []
    )
    assert rules.ssh_only_from_controller(
        rules.SEC_GROUP_RULE, {**ssh, "remoteIpPrefix": "172.16.0.0/12"}, "", GUARD
    )
    wide = {**ssh, "portRangeMin": 1, "portRangeMax": 1024, "remoteIpPrefix": "10.0.0.0/8"}
    assert rules.ssh_only_from_controller(rules.SEC_GROUP_RULE, wide, "", GUARD)
    assert (
        rules.ssh_only_from_controller(rules.SEC_GROUP_RULE, {**ssh, "remoteGroupId": "sg"}, "", GUARD) == []
    )
    https = {**ssh, "portRangeMin": 443, "portRangeMax": 443, "remoteIpPrefix": "172.16.0.0/12"}
    assert rules.ssh_only_from_controller(rules.SEC_GROUP_RULE, https, "", GUARD) == []


def test_a_project_created_by_a_wave_stack_is_refused() -> None:
    wave_urn = "urn:pulumi:wave-03::govcloud::openstack:identity/project:Project::fin-project"
    dept_urn = "urn:pulumi:departments::govcloud::openstack:identity/project:Project::fin-project"
    assert rules.no_per_wave_projects(rules.PROJECT, {"name": "govcloud-fin"}, wave_urn)
    assert rules.no_per_wave_projects(rules.PROJECT, {"name": "fin-wave-03"}, dept_urn)
    assert rules.no_per_wave_projects(rules.PROJECT, {"name": "govcloud-fin"}, dept_urn) == []


def test_other_resource_types_are_not_concerned() -> None:
    assert rules.violations("openstack:networking/network:Network", {"name": "n"}) == []


def test_policy_pack_declares_every_check_as_mandatory(repo_root: Path) -> None:
    source = (repo_root / "stacks/policy/__main__.py").read_text(encoding="utf-8")
    assert "EnforcementLevel.MANDATORY" in source and "CHECKS" in source
    assert set(rules.CHECKS) == {
        "no-public-ip-in-administrative-domain",
        "no-open-ingress",
        "instance-tagged",
        "protected-volume-encrypted",
        "ssh-only-from-controller",
        "no-per-wave-projects",
    }
