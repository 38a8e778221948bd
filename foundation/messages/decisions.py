"""What the planner says: the reasons of its decisions, its findings, and `explain`/`check`.

Keys are ``reason.*`` (a system's, room's or network's reasons), ``finding.*`` (findings),
``explain.*`` and ``check.*`` (terminal output). Parameters are filled in at output time.
"""

# ruff: noqa: E501 (a message reads best on one line)
from __future__ import annotations

REASONS: dict[str, tuple[str, str]] = {
    # ---- classification (planner.ruleset.builtin)
    "reason.classified": (
        "{term.classified}系统：迁入{term.intranet}，不上云",
        "{term.classified}: moves to the {term.intranet}, not the cloud",
    ),
    "reason.programme": (
        "属于{programme}工程：按国家/省级统一部署",
        "belongs to the {programme} programme: national/provincial deployment decides",
    ),
    "reason.zombie.not_linked": (
        "与实际业务脱节（未与业务关联）",
        "disconnected from business processes (usage.business_linked is false)",
    ),
    "reason.zombie.last_used": (
        "最近使用于 {last_used}，早于普查日 {survey} 已超过 {months} 个月",
        "last used {last_used}, {months}+ months before the survey of {survey}",
    ),
    "reason.zombie.replaceable": ("其功能可由 {other} 替代", "its function is replaceable by {other}"),
    "reason.zombie.idle": ("资源长期闲置（运行状态为闲置）", "resources idle (status idle)"),
    "reason.zombie.low_cpu": (
        "CPU 平均利用率 {utilisation:.0%}，低于 {floor:.0%}：资源闲置",
        "average CPU utilisation {utilisation:.0%} below {floor:.0%}: resources idle",
    ),
    "reason.zombie.unmaintained": ("已停止运维", "operation and maintenance stopped"),
    "reason.zombie.small_rare": (
        "使用范围仅为{scope:@scope}，每月使用 {users} 人（少于 {floor} 人）",
        "used only at {scope:@scope} scope by {users} people a month (fewer than {floor})",
    ),
    "reason.lan_only": (
        "局域网系统：保留在本部门的保留机房",
        "LAN-only system: stays in the department's retained room",
    ),
    "reason.platform": (
        "{category:@category}系统并入全市统一平台 {platform}",
        "{category:@category} system joins the city platform {platform}",
    ),
    "reason.shadow.survivor": (
        "作为{term.shadow}组 {department}/{function} 中使用最多的系统保留（每月 {users} 人使用）",
        "survives its shadow group {department}/{function} as the most used ({users} monthly users)",
    ),
    "reason.shadow.merged": (
        "{survivor} 的{term.shadow}（同一部门 {department}、同一职能 {function}）；{survivor} 使用更多"
        "（每月 {users} 人，本系统 {own} 人）",
        "shadow of {survivor} (same department {department}, same function {function}); "
        "{survivor} is more used ({users} vs {own} monthly users)",
    ),
    "reason.bigsys.weight": (
        "按业务权重选定：每月 {users} 人使用，{dependants} 个系统依赖，投资 {investment:,.0f} 元",
        "chosen by business weight: {users} monthly users, {dependants} dependant system(s), "
        "investment {investment:,.0f} CNY",
    ),
    "reason.bigsys.no_department_level": (
        "{department} 在{domain:@domain}没有部门级系统：{main} 成为其在该域的{term.big_system}（{weight}）",
        "{department} has no department-level system in the {domain:@domain}: {main} becomes its "
        "big system there ({weight})",
    ),
    "reason.bigsys.main": (
        "{department} 在{domain:@domain}的主系统（{weight}）",
        "{department}'s main system in the {domain:@domain} ({weight})",
    ),
    "reason.bigsys.merged": (
        "以内设机构 {unit} 名义建设：整合进 {department} 在{domain:@domain}的主系统 {main}（{weight}）",
        "built in the name of internal unit {unit}: integrated into {department}'s main system "
        "{main} in the {domain:@domain} ({weight})",
    ),
    "reason.mlps.above_domain": (
        "{term.mlps_level} {level} 级高于其落入的{domain:@domain}的 {domain_level} 级（{landing}）；"
        "在有合适资源池之前不能迁移",
        "MLPS level {level} is above the level {domain_level} of the {domain:@domain}, where it "
        "lands ({landing}); it cannot migrate until a suitable pool exists",
    ),
    "reason.mlps.no_level4_pool": (
        "等保四级系统需要专用资源池；{domain:@domain}没有；在有合适资源池之前不能迁移",
        "MLPS level 4 needs a dedicated resource pool; the {domain:@domain} has none; it cannot "
        "migrate until a suitable pool exists",
    ),
    "reason.mlps.level4_pool": (
        "等保四级系统部署在{domain:@domain}的四级专用资源池",
        "MLPS level 4 hosted in the dedicated level-4 pool of the {domain:@domain}",
    ),
    "reason.domain.full": (
        "{domain:@domain}已无容量容纳它（{over:@resource}已被较小的系统用尽）",
        "the {domain:@domain} has no room left for it ({over:@resource} exhausted by smaller systems)",
    ),
    "reason.migrate": ("分类为迁移上云", "classified as migrate"),
    "reason.class.retire": ("分类为清理（下线）", "classified as clean-up (retire)"),
    "reason.class.merge": ("分类为整合（并入）", "classified as integrate (merge)"),
    # ---- DOMAIN-1: where a migrating system lands (planner.domains)
    "reason.landing.public": ("面向公众：{term.public_service_domain}", "serves the public: {term.public_service_domain}"),
    "reason.landing.public_carried": (
        "面向公众（虽由 {networks} 承载）：{term.public_service_domain}",
        "serves the public (although carried by {networks}): {term.public_service_domain}",
    ),
    "reason.landing.internet_line": (
        "由{term.internet_line} {networks} 承载：{term.public_service_domain}",
        "carried by internet line {networks}: {term.public_service_domain}",
    ),
    "reason.landing.private_network": (
        "由{term.private_network} {networks} 承载：{term.administrative_service_domain}",
        "carried by private network {networks}: {term.administrative_service_domain}",
    ),
    "reason.landing.extranet": (
        "由{term.extranet} {networks} 承载，无{term.internet_line}或{term.private_network}：{term.public_service_domain}",
        "carried by the extranet {networks}, no internet line or private network: "
        "{term.public_service_domain}",
    ),
    "reason.landing.other": (
        "由 {networks} 承载（无{term.internet_line}、{term.private_network}或{term.extranet}）："
        "{term.administrative_service_domain}",
        "carried by {networks} (no internet line, private network or extranet): "
        "{term.administrative_service_domain}",
    ),
    "reason.landing.none": (
        "普查未登记承载网络，且不面向公众：{term.administrative_service_domain}",
        "no carrying network recorded and not public-facing: {term.administrative_service_domain}",
    ),
    # ---- after classification (planner.classify, planner.core)
    "reason.merge.chain": (
        "{into} 本身并入 {target}，因此本系统也并入 {target}",
        "{into} itself merges into {target}, so this system does too",
    ),
    "reason.merge.target_stays": (
        "其整合目标 {target} 的处置为{disposition:@disposition}，暂不能整合",
        "its merge target {target} is {disposition:@disposition}, so it cannot merge yet",
    ),
    "reason.wave.oversized": (
        "所需{over:@resource}超过任何批次的容量（{excess}）；需要专门的迁移方案",
        "it needs more {over:@resource} than any wave offers ({excess}); a dedicated migration "
        "plan is needed",
    ),
    "reason.wave.oversized_group": (
        "分组 {group} 所需{over:@resource}超过任何批次的容量（{excess}）；需要专门的迁移方案",
        "group {group} needs more {over:@resource} than any wave offers ({excess}); a dedicated "
        "migration plan is needed",
    ),
    "reason.wave.no_slot": ("迁移日历中没有能容纳它的批次", "fits in no wave of the calendar"),
    "reason.blocked": ("暂不能迁移", "cannot move yet"),
    # ---- groups (planner.graph)
    "reason.group.cycle": ("循环依赖", "dependency cycle"),
    "reason.group.affinity": ("声明的协同迁移组 {tags}", "declared affinity {tags}"),
    "reason.group.cycle_affinity": (
        "循环依赖及声明的协同迁移组 {tags}",
        "dependency cycle and declared affinity {tags}",
    ),
    "reason.group.across": ("{what}，跨部门 {departments}", "{what} spanning departments {departments}"),
    # ---- rooms (planner.rooms)
    "reason.room.pinned": ("存放不迁移的系统：{systems}", "holds systems that do not move: {systems}"),
    "reason.room.exception": ("已登记保留例外：{exception}", "recorded exception: {exception}"),
    "reason.room.kept_for": ("{department} 保留的机房，用于{what}", "the room {department} keeps, for {what}"),
    "reason.room.shared": (
        "在楼宇 {building} 内共用：还存放{what}",
        "shared in building {building}: it also keeps {what}",
    ),
    "reason.room.moves_to_other": (
        "{what}迁入同一楼宇 {building} 内 {department} 的机房 {room}",
        "{what} move(s) into {room} of {department} in the same building {building}",
    ),
    "reason.room.moves_to_own": (
        "{what}迁入 {department} 保留的机房 {room}",
        "{what} move(s) into {room}, the room {department} keeps",
    ),
    "reason.room.empty": ("系统迁出后无须留存任何设备", "nothing in it must stay once its systems have moved"),
    "reason.room.kept_instead": ("{department} 改为保留 {rooms}", "{department} keeps {rooms} instead"),
    "room.what.access": ("{departments} 的网络接入设备", "the network access equipment of {departments}"),
    "room.what.lan_only": ("局域网系统 {systems}", "LAN-only system(s) {systems}"),
    "room.what.both": ("{access}和{local}", "{access} and {local}"),
    "room.what.nothing": ("无须留存的设备", "nothing that must stay"),
    # ---- networks (planner.rooms.decide_networks)
    "reason.network.programme": (
        "{programme}工程网络：仅随国家和省级统一部署整合",
        "{programme} programme network: integrated only under the national and provincial deployment",
    ),
    "reason.network.national": (
        "国家垂直工程网络：仅随国家和省级统一部署整合",
        "national programme network: integrated only under the national and provincial deployment",
    ),
    "reason.network.extranet": (
        "{term.extranet}：各部门经其访问互联网",
        "the {term.extranet}: departments reach the internet through it",
    ),
    "reason.network.intranet": ("{term.intranet}承载涉密系统", "the {term.intranet} carries classified systems"),
    "reason.network.still_needed": (
        "仍被不迁移的系统使用：{systems}",
        "still needed by systems that stay: {systems}",
    ),
    "reason.network.cancelled": (
        "其承载的 {n} 个系统迁移后撤销该{kind:@network_kind}",
        "{kind:@network_kind} cancelled once its {n} system(s) have moved",
    ),
}

FINDINGS: dict[str, tuple[str, str]] = {
    "finding.blocked": ("暂缓迁移：{reason}", "blocked: {reason}"),
    "finding.survey_gaps": (
        "普查未填写{fields:@field}；按政策的保守默认值规划（使用情况不详不视为{term.zombie}，"
        "{term.mlps_level}按 {level} 级，缺少资源数据时按默认规格）",
        "survey did not record {fields:@field}; planned with the policy's conservative defaults "
        "(usage unknown = not a zombie, MLPS level {level}, default size where resources are missing)",
    ),
    "finding.uncarried": (
        "普查未登记承载它的网络；按默认落入{domain:@domain}（{rule}）：请补充其承载网络",
        "survey recorded no network carrying it; placed in the {domain:@domain} by default ({rule}): "
        "record its carrying network",
    ),
    "finding.no_platform": (
        "普查中没有全市统一的{kind:@platform}平台；{n} 个{kind:@category}系统单独迁移（如 {examples}）",
        "no city {kind:@platform} platform in the inventory; {n} {kind:@category} system(s) migrate "
        "on their own (e.g. {examples})",
    ),
    "finding.domain_short": (
        "{domain:@domain}容量不足以容纳迁入的系统（{shortfall}）；{n} 个系统暂缓迁移，直至扩容",
        "the {domain:@domain} capacity falls short of its migrating systems ({shortfall}); "
        "{n} system(s) blocked until it grows",
    ),
    "finding.short_by": ("{resource:@resource}缺 {amount:,.0f}", "{resource:@resource} short by {amount:,.0f}"),
    "finding.cloud_rate": (
        "上云率 {rate:.1%}（{on}/{bound} 个业务系统在 {date} 前上云），低于 {target:.0%} 的目标",
        "cloud rate {rate:.1%} ({on} of {bound} business systems on the cloud by {date}) is below "
        "the {target:.0%} target",
    ),
    "finding.late": (
        "{department} 有 {n} 个系统在 {date} 期限之后迁移（最晚在第 {last} 批次）：{systems}",
        "{n} system(s) of {department} move after the {date} deadline (last in wave {last}): {systems}",
    ),
    "finding.network_late": (
        "{term.private_network} {network} 在第 {wave} 批次撤销，晚于 {date} 的期限",
        "private network {network} is cancelled in wave {wave}, after the {date} deadline",
    ),
    "finding.no_pilot": (
        "没有系统符合试点批次的条件（规模小、等保级别低、依赖少）",
        "no system qualifies for the pilot wave (small, low-MLPS, few dependencies)",
    ),
    "finding.pilot_late": (
        "试点于 {end} 结束，晚于 {date} 的期限",
        "the pilot ends {end}, after the {date} deadline",
    ),
    "finding.not_connected": (
        "与其他部门交换数据（{partners}），但未接入{term.sharing_platform}",
        "exchanges data with other departments ({partners}) but is not connected to the sharing platform",
    ),
    "finding.no_funding": (
        "接入{term.sharing_platform}之前不安排运维经费",
        "gets no O&M funding until it connects to the sharing platform",
    ),
    "finding.no_legal_basis": (
        "信息资源“{name}”不予共享，但未注明法律依据",
        "resource {name!r} is not shared but names no legal basis",
    ),
    "finding.basic_not_unconditional": (
        "基础信息资源“{name}”为{sharing:@sharing}，而非无条件共享",
        "basic information resource {name!r} is shared {sharing:@sharing}, not unconditionally",
    ),
    "finding.dependency_lost": (
        "{system} 依赖 {other}，而后者{lost}：{system} 将失去该依赖；请登记其可替代系统或保留它",
        "{system} depends on {other}, which {lost}: {system} would lose this dependency; record the "
        "system that replaces it (replaced_by) or keep it",
    ),
    "finding.lost.retires": (
        "按 {rule} 下线且无替代系统",
        "retires ({rule}) with no system that replaces it",
    ),
    "finding.lost.carried_retires": (
        "转由 {current} 承接，而 {current} 按 {rule} 下线且无替代系统",
        "is carried over to {current}, which retires ({rule}) with no system that replaces it",
    ),
    "finding.cutover": (
        "没有迁移方式能满足 {window:g} 小时的切换窗口{default}：{estimates}（数据量 {data:g} GB）{no_db}；"
        "按{method:@method}规划（{outage:g} 小时）。延长窗口、提高迁移带宽或建立数据库副本可解决",
        "no migration method fits its {window:g} h cut-over window{default}: {estimates} for {data:g} GB"
        "{no_db}; planned {method} ({outage:g} h). A longer window, more migration bandwidth or a "
        "database replica would resolve it",
    ),
    "finding.cutover.default": ("（政策默认值：普查未填写）", " (the policy's default: none surveyed)"),
    "finding.cutover.no_db": ("；未登记数据库，无法使用副本", "; no database recorded, so no replica"),
    "finding.cutover.estimate": ("{method:@method} {hours:g} 小时", "{method} {hours:g} h"),
    "finding.building_no_room": (
        "楼宇 {building} 在普查中没有机房：{what}不在任何已登记的机房中；请登记存放它们的机房",
        "building {building} has no machine room in the inventory: {what} stay in no surveyed room; "
        "record the room that holds them",
    ),
    "finding.building_unplaced": (
        "楼宇 {building} 没有机房能容纳{what}：其机房都是其他部门按 ROOM-4 保留、不与他人共用的机房；"
        "为其设一间机房（或楼内共用机房）可解决",
        "no room of building {building} can take {what}: its rooms are other departments' ROOM-4 "
        "rooms, which share with nobody; a room for them (or a shared room of the building) would "
        "resolve it",
    ),
    "finding.building_racks": (
        "楼宇 {building} 的机房机柜不足以存放必须留在本地的{what}；按超出机房容量规划；在保留机房增加机柜可解决",
        "the rooms of building {building} lack the racks for {what}, which must stay on premises; "
        "they are planned beyond the rooms' capacity; more racks in a retained room would resolve it",
    ),
    "finding.room_exception": (
        "按已登记的例外保留，面积 {area:g} m²（上限 {limit:g} m²）：{exception}",
        "retained at {area:g} m² (limit {limit:g}) under the recorded exception: {exception}",
    ),
    "finding.room_too_large": (
        "{department} 保留的机房面积 {area:g} m²，超过 {limit:g} m² 的上限：{why}",
        "retained room of {department} is {area:g} m², above the {limit:g} m² limit: {why}",
    ),
    "finding.room_too_large.pinned": (
        "其中存放不迁移的系统（{systems}），不能腾退；待这些系统随其部署迁出，或为该机房登记 ROOM-4 例外后解决",
        "it holds systems that do not move ({systems}), so it cannot be vacated; resolved when they "
        "leave under their own deployment, or by recording a ROOM-4 exception for the room",
    ),
    "finding.room_too_large.racks": (
        "楼宇 {building} 内符合面积上限的机房（{rooms}）机柜不足，无法存放必须留存的网络接入设备和局域网系统；"
        "在那里增加机柜或登记 ROOM-4 例外可解决",
        "the rooms of building {building} within the limit ({rooms}) lack the racks for the network "
        "access equipment and LAN-only systems that must stay; resolved by more racks there or a "
        "ROOM-4 exception",
    ),
    "finding.room_too_large.small_taken": (
        "楼宇 {building} 内符合面积上限的机房（{rooms}）属于已保留其限额机房的部门，改保留它们同样违反 ROOM-2；"
        "为其中一间登记 ROOM-4 例外或让其部门腾退另一间机房可解决",
        "the rooms of building {building} within the limit ({rooms}) belong to departments that "
        "already keep their limit of rooms, so keeping one of them instead would break ROOM-2 too; "
        "resolved by a ROOM-4 exception or by their department vacating "
        "its other room",
    ),
    "finding.room_too_large.none_small": (
        "楼宇 {building} 没有 {limit:g} m² 以内的机房存放各部门的网络接入设备和局域网系统；"
        "改造一间不超过 {limit:g} m² 的机房或登记 ROOM-4 例外（建筑布局）可解决",
        "building {building} has no room within {limit:g} m² to keep the network access equipment "
        "and LAN-only systems of its departments; resolved by fitting out a room of at most "
        "{limit:g} m² or recording a ROOM-4 exception (building layout)",
    ),
    "finding.room_pinned": (
        "除网络设备和局域网系统外，仍存放 {n} 个不迁移的系统（{systems}）",
        "still holds {n} system(s) that do not move ({systems}), beyond network equipment and "
        "LAN-only systems",
    ),
    "finding.rooms_over_limit": (
        "{department} 保留 {n} 间机房，上限为 {limit} 间：均不能腾退（{why:;}）；待不迁移的设备迁出或登记 ROOM-4 例外后解决",
        "{department} retains {n} rooms; the limit is {limit}: none of them can be vacated ({why:;}); "
        "resolved when what does not move leaves, or by a ROOM-4 exception",
    ),
    "finding.room_why": ("{room}：{reason}", "{room}: {reason}"),
    "finding.line_stays_paid": (
        "{kind:@network_kind} {network} 仍需付费（每月 {fee:g} 元）：{n} 个不迁移的系统仍在使用（{systems}）",
        "{kind:@network_kind} {network} stays paid ({fee:g} CNY/month): {n} system(s) that do not "
        "move still use it ({systems})",
    ),
    "finding.forced": (
        "情景要求将其放入第 {wave} 批次，但{why}",
        "the scenario forces it into wave {wave}, but {why}",
    ),
    "finding.forced.not_moving": (
        "它不迁移：{disposition:@disposition}（{reason}）",
        "it does not move: {disposition:@disposition} ({reason})",
    ),
    "finding.forced.planned": ("它被安排在第 {planned} 批次：{why}", "it is planned in wave {planned}: {why}"),
    "finding.forced.pilot": (
        "试点第 0 批次只接纳规模小、等保级别低、依赖少且单独迁移的系统",
        "the pilot wave 0 takes only small, low-MLPS, low-dependency systems that move alone",
    ),
    "finding.forced.group": (
        "它与 {members} 作为一组迁移，而情景将 {rival} 放入第 {rival_wave} 批次",
        "it moves as one group with {members}, and the scenario forces {rival} into wave {rival_wave}",
    ),
    "finding.forced.depends": (
        "它依赖在第 {other_wave} 批次迁移的 {members}，系统不得早于其依赖的系统迁移",
        "it depends on {members}, which moves in wave {other_wave}, and no system moves before one "
        "it depends on",
    ),
    "finding.forced.depended": (
        "{members} 依赖它并在第 {other_wave} 批次迁移，系统不得早于其依赖的系统迁移",
        "{members} depends on it and moves in wave {other_wave}, and no system moves before one it "
        "depends on",
    ),
    "finding.forced.full": (
        "第 {wave} 批次已无剩余容量（{full:;}）",
        "wave {wave} has no capacity left ({full:;})",
    ),
    "finding.forced.unfit": (
        "调度无法将其放入第 {wave} 批次",
        "the scheduler could not fit it into wave {wave}",
    ),
    "finding.forced.over": (
        "{dim:@resource} {used:g} + {need:g} > {cap:g}",
        "{dim:@resource} {used:g} + {need:g} > {cap:g}",
    ),
    "finding.unknown_scenario_system": (
        "情景引用了普查中不存在的系统 {system}",
        "the scenario names {system}, which is not in the inventory",
    ),
    "finding.more": ("{shown} 等", "{shown} ..."),
    "finding.some": ("{shown}", "{shown}"),
}

OUTPUT: dict[str, tuple[str, str]] = {
    # ---- explain
    "explain.head": ("{system}（{name}，{department}）：{disposition:@disposition}", "{system} ({name}, {department}): {disposition:@disposition}"),
    "explain.head.domain": ("，落入{domain:@domain}", " to {domain:@domain}"),
    "explain.head.wave": ("，第 {wave} 批次", ", wave {wave}"),
    "explain.section.disposition": ("处置", "disposition"),
    "explain.section.placement": ("落位", "placement"),
    "explain.section.wave": ("批次", "wave"),
    "explain.section.findings": ("问题与发现", "findings"),
    "explain.verdict.decides": ("决定", "decides"),
    "explain.verdict.blocks": ("阻止", "blocks"),
    "explain.verdict.applies": ("适用", "applies"),
    "explain.verdict.not_applicable": ("不适用", "does not apply"),
    "explain.verdict.fact": ("事实", "fact"),
    "explain.checked": ("检查：{summary}", "checked: {summary}"),
    # what each built-in rule class checks (explain's "checked:" line for a rule that did not apply)
    "explain.checks.ClassifiedToIntranet": ("是否{term.classified}：{term.classified}系统迁入{term.intranet}，不上云", "a classified system moves to the e-government intranet, never to the cloud"),
    "explain.checks.GoldenProgramme": ("是否属于{term.golden_programme}（金税、金关等）：按国家和省部署进行", "a system of a national/provincial golden programme follows its programme's deployment"),
    "explain.checks.Zombie1Disconnected": ("是否长期与业务脱节（未与业务关联，或多月未使用）", "long disconnected from business (not business-linked, or unused for months)"),
    "explain.checks.Zombie2Replaceable": ("功能是否可由普查中的另一系统替代（可替代系统）", "function replaceable by another surveyed system (replaced_by)"),
    "explain.checks.Zombie3Idle": ("资源是否闲置（运行状态为闲置，或 CPU 利用率低于政策下限）", "resources idle (status idle, or CPU use below the policy's floor)"),
    "explain.checks.Zombie4Unmaintained": ("是否已停止运维", "operation and maintenance stopped"),
    "explain.checks.Zombie5SmallAndRare": ("是否使用范围小、每月使用人数少", "used at a small scope by few people a month"),
    "explain.checks.LanOnlyKeptLocal": ("是否为局域网系统：保留在本楼宇的保留机房", "a LAN-only system stays in a retained room of its building"),
    "explain.checks.CityPlatform": ("网站、办公、热线、视频会议、电子邮件或即时通讯系统并入全市统一平台", "a website, OA, hotline, video, e-mail or IM system joins the city's central platform"),
    "explain.checks.ShadowDuplicates": ("是否重复建设（同一部门、同一职能、同一服务域）：并入使用最多者", "duplicates (one department, one function, one domain) merge into the most used of them"),
    "explain.checks.DepartmentBigSystem": ("以内设机构名义建设的系统并入本部门同一服务域的主系统", "unit-named systems join their department's main system in the same domain"),
    "explain.checks.DomainLevel": ("{term.mlps_level}是否高于其落入的服务域", "MLPS level above the level of the domain it lands in"),
    "explain.checks.Level4Pool": ("等保四级系统所在服务域是否有四级专用资源池", "a level-4 system in a domain without a dedicated level-4 pool"),
    "explain.checks.DomainCapacity": ("服务域的 vCPU、内存或存储是否还有余量（较小的系统优先）", "the domain's vCPU, RAM or storage left (smallest admitted first)"),
    "explain.checks.Migrate": ("其余系统全部上云（CLOUD-1），落入承载它的网络对应的服务域（DOMAIN-1）", "everything else goes up (CLOUD-1), into the domain of the network that carries it (DOMAIN-1)"),
    "explain.also": ("{rule}：{reason}", "{rule}: {reason}"),
    "explain.merges_into": ("并入 {into}", "merges into {into}"),
    "explain.pilot_wave": ("第 {wave} 批次为试点批次", "wave {wave} is the pilot wave"),
    "explain.wave_dates": ("第 {wave} 批次：{start} 至 {end}", "wave {wave}: {start} .. {end}"),
    "explain.load": ("负载在容量之内：{load}", "load within capacity: {load}"),
    "explain.load_dim": ("{dim:@resource} {load:g}/{capacity:g}", "{dim:@resource} {load:g} of {capacity:g}"),
    "explain.group": ("分组 {group}（{reason}）：与 {members} 一同迁移", "group {group} ({reason}): moves with {members}"),
    "explain.waits": ("等待 {members}（第 {wave} 批次）", "waits for {members} (wave {wave})"),
    "explain.zombie_deadline": (
        "{term.zombie}清理期限 {date}（第 {wave} 批次）",
        "zombie clean-up deadline {date} (wave {wave})",
    ),
    "explain.migrate_deadline": ("全部迁移期限 {date}（第 {wave} 批次）", "all-migrated deadline {date} (wave {wave})"),
    "explain.private_network": (
        "使用{term.private_network}：须在 {date} 前整合",
        "rides a private network: integrate by {date}",
    ),
    "explain.pilot_eligible": ("符合试点批次条件", "eligible for the pilot wave"),
    "explain.pilot_ineligible": ("不符合试点条件（规模、等保级别或依赖）", "not eligible for the pilot (size, MLPS or dependencies)"),
    "explain.frees_room": (
        "机房 {room}（{outcome:@room}，第 {wave} 批次，每月 {cost:,.0f} 元）",
        "room {room} ({outcome:@room}, wave {wave}, {cost:,.0f} CNY/month)",
    ),
    "explain.frees_network": (
        "网络 {network}（{outcome:@network}，第 {wave} 批次，每月 {fee:,.0f} 元）",
        "network {network} ({outcome:@network}, wave {wave}, {fee:,.0f} CNY/month)",
    ),
    "explain.finding": ("{severity:@severity} {rule}：{message}", "{severity:@severity} {rule}: {message}"),
    "explain.none": ("无", "none"),
    "explain.unknown_wave": ("未排期", "none"),
    # ---- check and the plan summary
    "check.finding": ("{severity} {rule} {subject}：{message}", "{severity} {rule} {subject}: {message}"),
    # ---- report and finance on the terminal
    "cli.report_written": ("报告：{path}", "report: {path}"),
    "cli.department_plans_written": ("部门迁移技术方案：{n} 个文件，位于 {path}", "department plans: {n} files in {path}"),
    "cli.ledger_written": (
        "财务台账：资产处置 {assets} 项，撤销专线 {lines} 条，腾退机房 {rooms} 间，每月节约 {monthly:,.0f} 元",
        "ledger: {assets} asset disposals, {lines} lines cancelled, {rooms} rooms given up, "
        "{monthly:,.0f} CNY/month saved",
    ),
    # ---- simulate
    "simulate.title": ("情景“{name}”与基准方案对比", "scenario '{name}' vs baseline"),
    "simulate.metric": ("指标", "metric"),
    "simulate.baseline": ("基准", "baseline"),
    "simulate.change": ("变化", "change"),
    "simulate.row.waves": ("批次数", "waves"),
    "simulate.row.stranded cost (CNY)": ("滞留成本（元）", "stranded cost (CNY)"),
    "simulate.row.cloud rate": ("上云率", "cloud rate"),
    "simulate.row.rooms vacated": ("腾退机房", "rooms vacated"),
    "simulate.row.lines retired": ("撤销专线", "lines retired"),
    "simulate.row.monthly savings (CNY)": ("月节约（元）", "monthly savings (CNY)"),
    "simulate.row.error findings": ("严重问题", "error findings"),
    "simulate.months": ("每月腾退机房与月节约曲线", "rooms vacated per month and monthly savings curve"),
    "simulate.month": ("月份", "month"),
    "simulate.rooms_base": ("腾退机房（基准）", "rooms vacated (base)"),
    "simulate.rooms_alt": ("腾退机房（{name}）", "rooms vacated ({name})"),
    "simulate.savings_base": ("月节约（基准）", "savings/month (base)"),
    "simulate.savings_alt": ("月节约（{name}）", "savings/month ({name})"),
    "simulate.waves_changed": ("{n} 个系统批次变化", "{n} system(s) change wave"),
    "simulate.fates_changed": ("{n} 个系统处置变化", "{n} system(s) change disposition"),
    "simulate.changes": ("情景“{name}”下批次或处置变化的系统", "systems that change wave or disposition under '{name}'"),
    "simulate.system": ("系统", "system"),
    "simulate.department": ("部门", "department"),
    "simulate.wave_base": ("批次（基准）", "wave (base)"),
    "simulate.wave_alt": ("批次（{name}）", "wave ({name})"),
    "simulate.disposition_base": ("处置（基准）", "disposition (base)"),
    "simulate.disposition_alt": ("处置（{name}）", "disposition ({name})"),
    "simulate.findings_new": ("情景“{name}”新出现的问题：", "findings of '{name}' the baseline does not have:"),
    "simulate.findings_gone": ("情景“{name}”不再有的基准问题：", "findings of the baseline that '{name}' no longer has:"),
    "simulate.written": ("情景方案：{path}", "scenario plan: {path}"),
    # the policy's targets (planner.findings.TARGETS), in check and the report
    "target.met": ("达标", "met"),
    "target.missed": ("未达标", "missed"),
    "target.cloud_rate": ("上云率", "Cloud rate"),
    "target.rooms": ("机房腾退", "Machine rooms vacated"),
    "target.lines": ("专线撤销", "Leased lines cancelled"),
    "target.deadline_pilot": ("试点迁移完成", "Pilot migration done"),
    "target.deadline_zombie": ("{term.zombie}清理完成", "Zombie clean-up done"),
    "target.deadline_migration": ("全部系统迁移完成", "All systems migrated"),
    "target.deadline_networks": ("专网整合完成", "Private networks integrated"),
    "check.target": ("目标 {target}：{status}", "target {target}: {status}"),
    "check.totals": ("{errors} 个严重问题，{warnings} 个警告", "{errors} error(s), {warnings} warning(s)"),
}
