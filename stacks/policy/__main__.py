"""The CrossGuard policy pack: wires the plain checks of rules.py as mandatory policies."""

from __future__ import annotations

import sys
from pathlib import Path

# The pack runs from stacks/policy; the repository root holds the stacks package it checks with.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pulumi_policy import (  # noqa: E402
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from stacks.policy.rules import CHECKS, GuardConfig, default_guard  # noqa: E402

# Every policy takes the cloud's facts from the pack config (`pulumi up --policy-pack-config`),
# defaulting to Pulumi.yaml's: the encrypting volume types and the controller CIDR.
SCHEMA = PolicyConfigSchema(
    properties={
        "encryptedVolumeTypes": {"type": "array", "items": {"type": "string"}},
        "controllerCidr": {"type": "string"},
    }
)


def _guard(args: ResourceValidationArgs) -> GuardConfig:
    config = args.get_config() or {}
    base = default_guard()
    return GuardConfig(
        frozenset(config.get("encryptedVolumeTypes") or base.encrypted_volume_types),
        str(config.get("controllerCidr") or base.controller_cidr),
    )


def _policy(name: str, check, description: str) -> ResourceValidationPolicy:  # type: ignore[no-untyped-def]
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        for message in check(args.resource_type, args.props, args.urn, _guard(args)):
            report_violation(message, args.urn)

    return ResourceValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY,
        config_schema=SCHEMA,
    )


PolicyPack(
    name="govcloud-guardrails",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[_policy(name, fn, text) for name, (fn, text) in CHECKS.items()],
)
