"""Rule IDs of POLICY_RULES.md with a one-line text each: the single place they are spelled.

Every planner decision, reason and finding cites one of these constants; nothing else in the
code base writes a rule ID as a string literal.
"""

from __future__ import annotations

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

RULES: dict[str, str] = {
    INV_1: "Every system records its survey fields; missing mandatory fields are findings, not crashes.",
    INV_2: "After migration each system has an archive entry (name, function, scope, resources).",
    SCOPE_1: "In scope: non-classified systems built or run with government money.",
    SCOPE_2: "Classified (涉密) systems do not go to the cloud: they move to the e-government intranet.",
    SCOPE_3: "Golden-programme systems follow the national/provincial deployment, not the city's plan.",
    ZOMBIE_1: "A zombie system long disconnected from actual business is retired.",
    ZOMBIE_2: "A zombie system whose function another system can replace is retired.",
    ZOMBIE_3: "A zombie system whose resources are idle for a long time is retired.",
    ZOMBIE_4: "A zombie system whose operation and maintenance has stopped is retired.",
    ZOMBIE_5: "A zombie system with small usage scope and low usage frequency is retired.",
    SHADOW_1: "Shadow systems (same department, same function) are integrated into one surviving system.",
    BIGSYS_1: "Systems built in the name of an internal unit join the department's big system.",
    PLATFORM_1: "Websites, OA, hotlines, video, e-mail and IM join the city's central platforms.",
    CLASS_1: "Every system is classified as clean-up, integrate or migrate.",
    DOMAIN_1: "A system migrates into the cloud domain matching the network that carries it.",
    CLOUD_1: "Everything that can go up, goes up (应上尽上).",
    CLOUD_2: "At least the target share (98 %) of business systems runs on the cloud by the target date.",
    CLOUD_3: "No new independent business systems, private networks or county clouds after the cut-off.",
    PILOT_1: "A pilot migration precedes the general migration.",
    PLAN_1: "Each department submits a migration technical plan for review.",
    OPS_1: "Who builds it is responsible for its O&M after migration.",
    DR_1: "Backup is the cloud's same-city active-active centre; departments build none.",
    MLPS_1: "A cloud domain must not host a system whose MLPS level exceeds the domain's.",
    MLPS_2: "Level-4 systems need a dedicated resource pool.",
    MLPS_3: "Only the flows the dependency graph names are opened between security domains.",
    MLPS_4: "Migrated data is verified by checksums and the migration can be recovered (level 3+).",
    ROOM_1: "After migration a department's rooms hold only network access equipment and LAN-only systems.",
    ROOM_2: "Each department keeps at most 1 room of at most 20 m².",
    ROOM_3: "Departments in the same building that can be merged share 1 room.",
    ROOM_4: "A department with security requirements or an unmergeable building keeps one room (recorded).",
    ASSET_1: "Room assets are inventoried and each gets an approved disposal proposal.",
    LINE_1: "Departmental internet dedicated lines are cancelled; finance stops paying them.",
    LINE_2: "Business private networks are integrated into the extranet; their lease fees stop.",
    LINE_3: "Golden-programme private networks are integrated only under the national deployment.",
    LINE_4: "Departments' internet exits are consolidated into the public-service domain's single exit.",
    SHARE_1: "Each data resource is shared unconditionally, conditionally or not (with a legal basis).",
    SHARE_2: "Basic information resources are shared unconditionally.",
    SHARE_3: "A conditional-sharing request is answered within 10 working days.",
    SHARE_4: "Cross-department exchange goes through the sharing platform; exchanging systems connect to it.",
    FUND_1: "A system that must connect to the sharing platform but has not gets no O&M funding.",
    FUND_2: "A new project is approved only with a resource-requirement list and a data-sharing list.",
    METRIC_1: "Progress is assessed monthly.",
    DEP_1: "A system never moves in a wave earlier than one it depends on, unless both are in one group.",
    CAP_1: "A wave's load stays within the policy's per-wave capacity (the pilot wave has its own).",
    CUT_1: "A system's estimated cut-over outage stays within its downtime_hours, or the plan says so.",
}

ZOMBIE_RULES: tuple[str, ...] = (ZOMBIE_1, ZOMBIE_2, ZOMBIE_3, ZOMBIE_4, ZOMBIE_5)


def rule_text(rule: str) -> str:
    """The one-line text of *rule*; KeyError for an ID POLICY_RULES.md does not define."""
    return RULES[rule]
