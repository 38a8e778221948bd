"""The CrossGuard policy pack: wires the plain checks of rules.py as mandatory policies."""

from __future__ import annotations

import sys
from pathlib import Path

# The pack runs from stacks/policy; the repository root holds the stacks package it checks with.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pulumi_policy import (  # noqa: E402
    EnforcementLevel,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from stacks.policy.rules import CHECKS  # noqa: E402


def _policy(name: str, check, description: str) -> ResourceValidationPolicy:  # type: ignore[no-untyped-def]
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        for message in check(args.resource_type, args.props, args.urn):
            report_violation(message, args.urn)

    return ResourceValidationPolicy(
        name=name, description=description, validate=validate, enforcement_level=EnforcementLevel.MANDATORY
    )


PolicyPack(
    name="govcloud-guardrails",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[_policy(name, fn, text) for name, (fn, text) in CHECKS.items()],
)
