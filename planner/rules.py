"""Rule IDs of POLICY_RULES.md with a one-line text each: the single place they are spelled.

Every planner decision, reason and finding cites one of these constants; nothing else in the
code base writes a rule ID as a string literal. The rule texts (``rule.<ID>``, Chinese and
English) are in the message catalogue (foundation.messages.rules).
"""

from __future__ import annotations

from foundation.messages import MESSAGES, english

INV_1 = "INV-1"
INV_2 = "INV-2"
SCOPE_1 = "SCOPE-1"
SCOPE_2 = "SCOPE-2"
SCOPE_3 = "SCOPE-3"
ZOMBIE_1 = "ZOMBIE-1"
ZOMBIE_2 = "ZOMBIE-2"
ZOMBIE_3 = "ZOMBIE-3"
ZOMBIE_4 = "ZOMBIE-4"
ZOMBIE_5 = "ZOMBIE-5"
SHADOW_1 = "SHADOW-1"
BIGSYS_1 = "BIGSYS-1"
PLATFORM_1 = "PLATFORM-1"
CLASS_1 = "CLASS-1"
DOMAIN_1 = "DOMAIN-1"
CLOUD_1 = "CLOUD-1"
CLOUD_2 = "CLOUD-2"
CLOUD_3 = "CLOUD-3"
PILOT_1 = "PILOT-1"
PLAN_1 = "PLAN-1"
OPS_1 = "OPS-1"
DR_1 = "DR-1"
MLPS_1 = "MLPS-1"
MLPS_2 = "MLPS-2"
MLPS_3 = "MLPS-3"
MLPS_4 = "MLPS-4"
ROOM_1 = "ROOM-1"
ROOM_2 = "ROOM-2"
ROOM_3 = "ROOM-3"
ROOM_4 = "ROOM-4"
ASSET_1 = "ASSET-1"
LINE_1 = "LINE-1"
LINE_2 = "LINE-2"
LINE_3 = "LINE-3"
LINE_4 = "LINE-4"
SHARE_1 = "SHARE-1"
SHARE_2 = "SHARE-2"
SHARE_3 = "SHARE-3"
SHARE_4 = "SHARE-4"
FUND_1 = "FUND-1"
FUND_2 = "FUND-2"
METRIC_1 = "METRIC-1"
DEP_1 = "DEP-1"
CAP_1 = "CAP-1"
CUT_1 = "CUT-1"

# The one-line text of each ID, in English; both languages live in the message catalogue.
RULES: dict[str, str] = {
    rule: english(f"rule.{rule}")
    for name, rule in dict(globals()).items()
    if name.isupper() and isinstance(rule, str) and f"rule.{rule}" in MESSAGES
}

ZOMBIE_RULES: tuple[str, ...] = (ZOMBIE_1, ZOMBIE_2, ZOMBIE_3, ZOMBIE_4, ZOMBIE_5)


def rule_text(rule: str) -> str:
    """The one-line text of *rule*; KeyError for an ID POLICY_RULES.md does not define."""
    return RULES[rule]
