"""The one-line text of each rule ID of POLICY_RULES.md, in Chinese and English (``rule.<ID>``).

planner.rules spells the IDs and reads its English texts from here; the report's rules section,
`explain` and the department plans show them in the reader's language.
"""

# ruff: noqa: E501 (a message reads best on one line)
from __future__ import annotations

RULE_TEXTS: dict[str, tuple[str, str]] = {
    "rule.INV-1": (
        "每个系统登记普查字段；缺少必填字段记为问题，不致出错。",
        "Every system records its survey fields; missing mandatory fields are findings, not crashes.",
    ),
    "rule.INV-2": (
        "迁移后每个系统建立档案（名称、职能、使用范围、资源）。",
        "After migration each system has an archive entry (name, function, scope, resources).",
    ),
    "rule.SCOPE-1": (
        "范围：使用财政资金建设或运维的非涉密系统。",
        "In scope: non-classified systems built or run with government money.",
    ),
    "rule.SCOPE-2": (
        "{term.classified}系统不上云：迁入{term.intranet}。",
        "Classified systems do not go to the cloud: they move to the e-government intranet.",
    ),
    "rule.SCOPE-3": (
        "{term.golden_programme}（金税、金关等）系统按国家和省部署进行，不纳入本市计划。",
        "Golden-programme systems follow the national/provincial deployment, not the city's plan.",
    ),
    "rule.ZOMBIE-1": ("长期与实际业务脱节的{term.zombie}清理下线。", "A zombie system long disconnected from actual business is retired."),
    "rule.ZOMBIE-2": ("功能可被其他系统替代的{term.zombie}清理下线。", "A zombie system whose function another system can replace is retired."),
    "rule.ZOMBIE-3": ("资源长期闲置的{term.zombie}清理下线。", "A zombie system whose resources are idle for a long time is retired."),
    "rule.ZOMBIE-4": ("已停止运维的{term.zombie}清理下线。", "A zombie system whose operation and maintenance has stopped is retired."),
    "rule.ZOMBIE-5": ("使用范围小、使用频度低的{term.zombie}清理下线。", "A zombie system with small usage scope and low usage frequency is retired."),
    "rule.SHADOW-1": (
        "{term.shadow}（同一部门、同一职能）整合为一个保留系统。",
        "Shadow systems (same department, same function) are integrated into one surviving system.",
    ),
    "rule.BIGSYS-1": (
        "以内设机构名义建设的系统并入本部门的{term.big_system}。",
        "Systems built in the name of an internal unit join the department's big system.",
    ),
    "rule.PLATFORM-1": (
        "网站、办公、热线、视频会议、电子邮件和即时通讯并入全市统一平台。",
        "Websites, OA, hotlines, video, e-mail and IM join the city's central platforms.",
    ),
    "rule.CLASS-1": ("每个系统分类为清理、整合或迁移。", "Every system is classified as clean-up, integrate or migrate."),
    "rule.DOMAIN-1": (
        "系统迁入与其承载网络对应的{term.gov_cloud}服务域。",
        "A system migrates into the cloud domain matching the network that carries it.",
    ),
    "rule.CLOUD-1": ("应上尽上。", "Everything that can go up, goes up."),
    "rule.CLOUD-2": (
        "目标日期前上云的业务系统不低于目标比例（98%）。",
        "At least the target share (98 %) of business systems runs on the cloud by the target date.",
    ),
    "rule.CLOUD-3": (
        "截止日期后不再新建独立业务系统、{term.private_network}或区县云。",
        "No new independent business systems, private networks or county clouds after the cut-off.",
    ),
    "rule.PILOT-1": ("全面迁移之前先进行{term.pilot}迁移。", "A pilot migration precedes the general migration."),
    "rule.PLAN-1": ("各部门提交迁移技术方案，报审核。", "Each department submits a migration technical plan for review."),
    "rule.OPS-1": ("谁建设、谁负责迁移后的运维。", "Who builds it is responsible for its O&M after migration."),
    "rule.DR-1": (
        "备份依托{term.gov_cloud}同城双活中心，各部门不再自建。",
        "Backup is the cloud's same-city active-active centre; departments build none.",
    ),
    "rule.MLPS-1": (
        "服务域不得承载{term.mlps_level}高于该域的系统。",
        "A cloud domain must not host a system whose MLPS level exceeds the domain's.",
    ),
    "rule.MLPS-2": ("等保四级系统需要专用资源池。", "Level-4 systems need a dedicated resource pool."),
    "rule.MLPS-3": (
        "安全域之间只开通依赖关系图列明的访问。",
        "Only the flows the dependency graph names are opened between security domains.",
    ),
    "rule.MLPS-4": (
        "迁移数据经校验和核对，迁移可恢复（三级及以上）。",
        "Migrated data is verified by checksums and the migration can be recovered (level 3+).",
    ),
    "rule.ROOM-1": (
        "迁移后部门{term.room}只保留网络接入设备和局域网系统。",
        "After migration a department's rooms hold only network access equipment and LAN-only systems.",
    ),
    "rule.ROOM-2": ("每个部门至多保留 1 间不超过 20 m² 的{term.room}。", "Each department keeps at most 1 room of at most 20 m²."),
    "rule.ROOM-3": ("同一楼宇内可合并的部门共用 1 间{term.room}。", "Departments in the same building that can be merged share 1 room."),
    "rule.ROOM-4": (
        "有安全要求或建筑布局无法合并的部门保留一间{term.room}（登记在案）。",
        "A department with security requirements or an unmergeable building keeps one room (recorded).",
    ),
    "rule.ASSET-1": ("机房资产逐项登记，并有经批准的处置方案。", "Room assets are inventoried and each gets an approved disposal proposal."),
    "rule.LINE-1": (
        "撤销部门{term.internet_line}，财政不再支付其费用。",
        "Departmental internet dedicated lines are cancelled; finance stops paying them.",
    ),
    "rule.LINE-2": (
        "{term.private_network}整合至{term.extranet}，停止支付租赁费用。",
        "Business private networks are integrated into the extranet; their lease fees stop.",
    ),
    "rule.LINE-3": (
        "{term.golden_programme}专网按国家和省部署整合。",
        "Golden-programme private networks are integrated only under the national deployment.",
    ),
    "rule.LINE-4": (
        "各部门互联网出口整合至{term.public_service_domain}统一出口。",
        "Departments' internet exits are consolidated into the public-service domain's single exit.",
    ),
    "rule.SHARE-1": (
        "每项信息资源确定为无条件共享、有条件共享或不予共享（须有法律依据）。",
        "Each data resource is shared unconditionally, conditionally or not (with a legal basis).",
    ),
    "rule.SHARE-2": ("基础信息资源无条件共享。", "Basic information resources are shared unconditionally."),
    "rule.SHARE-3": ("有条件共享的申请在 10 个工作日内答复。", "A conditional-sharing request is answered within 10 working days."),
    "rule.SHARE-4": (
        "跨部门数据交换通过{term.sharing_platform}；交换数据的系统须接入。",
        "Cross-department exchange goes through the sharing platform; exchanging systems connect to it.",
    ),
    "rule.FUND-1": (
        "应接入而未接入{term.sharing_platform}的系统不安排运维经费。",
        "A system that must connect to the sharing platform but has not gets no O&M funding.",
    ),
    "rule.FUND-2": (
        "新建项目须附资源需求清单和数据共享清单方可审批。",
        "A new project is approved only with a resource-requirement list and a data-sharing list.",
    ),
    "rule.METRIC-1": ("按月考核工作进展。", "Progress is assessed monthly."),
    "rule.DEP-1": (
        "系统不得早于其依赖的系统迁移，同组系统除外。",
        "A system never moves in a wave earlier than one it depends on, unless both are in one group.",
    ),
    "rule.CAP-1": (
        "每批次负载不超过政策规定的批次容量（试点批次单独规定）。",
        "A wave's load stays within the policy's per-wave capacity (the pilot wave has its own).",
    ),
    "rule.CUT-1": (
        "系统预计切换停机时长不超过其可接受停机时长，否则方案予以说明。",
        "A system's estimated cut-over outage stays within its downtime_hours, or the plan says so.",
    ),
}
