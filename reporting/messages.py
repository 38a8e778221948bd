"""The one message catalogue of every report, ledger and progress output (Chinese and English).

Each label is defined once, here, as ``key: (zh, en)``. Templates call ``t("key")``; enum
values are looked up as ``"<enum>.<value>"`` (e.g. ``disposition.migrate``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    # ---- report frame
    "report.title": ("政务信息系统整合迁移方案报告", "E-government system migration plan report"),
    "report.city": ("城市", "City"),
    "report.generated": ("生成自", "Generated from"),
    "report.inventory": ("普查数据", "Inventory"),
    "report.policy": ("政策", "Policy"),
    "report.toc": ("目录", "Contents"),
    "section.summary": ("目标完成情况", "Targets"),
    "section.gantt": ("迁移批次甘特图（按部门）", "Migration waves by department (Gantt)"),
    "section.cost": ("滞留月成本与累计节约", "Stranded monthly cost and cumulative savings"),
    "section.capacity": ("各批次资源占用（按云域）", "Capacity use per wave and domain"),
    "section.graph": ("依赖关系图", "Dependency graph"),
    "section.systems": ("系统清单", "Systems"),
    "section.rooms": ("机房腾退", "Machine rooms"),
    "section.lines": ("专线专网", "Leased lines and networks"),
    "section.findings": ("问题与发现", "Findings"),
    "section.rules": ("政策规则", "Policy rules"),
    "section.waves": ("迁移批次", "Waves"),
    # ---- targets
    "target.name": ("目标", "Target"),
    "target.goal": ("要求", "Required"),
    "target.actual": ("方案结果", "Plan"),
    "target.status": ("状态", "Status"),
    "target.rules": ("依据", "Rules"),
    "target.met": ("达标", "met"),
    "target.missed": ("未达标", "missed"),
    "target.cloud_rate": ("上云率", "Cloud rate"),
    "target.rooms": ("机房腾退", "Machine rooms vacated"),
    "target.lines": ("专线撤销", "Leased lines cancelled"),
    "target.deadline_pilot": ("试点迁移完成", "Pilot migration done"),
    "target.deadline_zombie": ("僵尸系统清理完成", "Zombie clean-up done"),
    "target.deadline_migration": ("全部系统迁移完成", "All systems migrated"),
    "target.deadline_networks": ("专网整合完成", "Private networks integrated"),
    "target.errors": ("严重问题", "Errors"),
    "target.no_errors": ("无严重问题", "no error finding"),
    "target.per_policy": ("按政策文件", "per policy file"),
    "target.rooms_actual": (
        "腾退 {vacated} 间，合并 {merged} 间，保留 {retained} 间",
        "{vacated} vacated, {merged} merged, {retained} retained",
    ),
    "target.lines_actual": (
        "撤销 {retired} 条 / 可撤销 {eligible} 条，月节约 {fee}",
        "{retired} of {eligible} cancellable lines, {fee} per month",
    ),
    "target.rooms_goal": ("每部门至多保留 1 间小机房", "at most 1 small room per department"),
    "target.lines_goal": ("符合条件的专线全部撤销", "every eligible line cancelled"),
    "target.last_wave": ("最后批次结束 {date}", "last wave ends {date}"),
    "target.no_wave": ("无批次", "no wave"),
    "target.by": ("不晚于 {date}", "by {date}"),
    # ---- metrics
    "metric.cloud_rate": ("上云率", "Cloud rate"),
    "metric.rooms_vacated": ("腾退及合并机房", "Rooms given up (vacated or merged)"),
    "metric.rooms_vacated_only": ("腾退机房（间）", "Rooms vacated"),
    "metric.rooms_merged": ("合并机房（间）", "Rooms merged into another"),
    "metric.lines_retired": ("撤销专线", "Lines cancelled"),
    "metric.monthly_savings": ("月节约（元）", "Monthly savings (CNY)"),
    "metric.stranded_cost": ("滞留成本（元）", "Stranded cost (CNY)"),
    "metric.waves": ("批次数", "Waves"),
    # ---- charts
    "chart.month": ("月份", "Month"),
    "chart.stranded": ("滞留月成本（元/月）", "Stranded cost (CNY/month)"),
    "chart.cumulative": ("累计节约（元）", "Cumulative savings (CNY)"),
    "chart.load": ("占用", "Load"),
    "chart.capacity": ("容量", "Capacity"),
    "chart.pilot": ("试点", "pilot"),
    "chart.wave": ("批次", "Wave"),
    "chart.systems_in_wave": ("{n} 个系统", "{n} systems"),
    "chart.choose": ("选择部门或分组", "Choose a department or group"),
    "chart.group": ("分组", "Group"),
    "chart.external": ("外部门系统", "other department"),
    "chart.no_links": ("无依赖关系", "no dependencies"),
    "chart.legend.wave": ("迁移批次（标注：批次·系统数）", "Wave (label: wave · systems)"),
    "chart.legend.pilot_wave": ("试点批次", "Pilot wave"),
    "chart.legend.pilot_band": ("试点期", "Pilot period"),
    "chart.legend.stays": (
        "不上云（内网、国家部署、本地保留）",
        "stays off the cloud (intranet, programme, local)",
    ),
    "chart.legend.depends": ("箭头指向被依赖的系统", "arrow points at the system depended on"),
    "dim.systems": ("系统数", "Systems"),
    "dim.vcpu": ("vCPU", "vCPU"),
    "dim.data_gb": ("数据量 GB", "Data GB"),
    "dim.team_hours": ("人时", "Team hours"),
    # ---- tables
    "col.id": ("编号", "ID"),
    "col.name": ("名称", "Name"),
    "col.department": ("部门", "Department"),
    "col.disposition": ("处置", "Disposition"),
    "col.domain": ("目标云域", "Target domain"),
    "col.wave": ("批次", "Wave"),
    "col.dates": ("迁移时间", "Dates"),
    "col.group": ("分组", "Group"),
    "col.into": ("整合至", "Into"),
    "col.rules": ("规则", "Rules"),
    "col.reasons": ("理由", "Reasons"),
    "col.sizing": ("资源配置", "Sizing"),
    "col.mlps": ("等保级别", "MLPS"),
    "col.outcome": ("结果", "Outcome"),
    "col.shared_with": ("合并至", "Shared with"),
    "col.area": ("面积 m²", "Area m²"),
    "col.monthly_cost": ("月成本（元）", "Monthly cost (CNY)"),
    "col.monthly_fee": ("月租费（元）", "Monthly fee (CNY)"),
    "col.kind": ("类型", "Kind"),
    "col.contract_end": ("合同到期", "Contract end"),
    "col.severity": ("级别", "Severity"),
    "col.subject": ("对象", "Subject"),
    "col.message": ("说明", "Message"),
    "col.rule": ("规则", "Rule"),
    "col.text": ("条文", "Text"),
    "col.start": ("开始", "Start"),
    "col.end": ("结束", "End"),
    "col.systems": ("系统", "Systems"),
    "col.pilot": ("试点", "Pilot"),
    "col.building": ("楼宇", "Building"),
    "col.book_value": ("账面价值（元）", "Book value (CNY)"),
    "col.purchased": ("购置日期", "Purchased"),
    "col.proposal": ("处置建议", "Proposal"),
    "col.date": ("日期", "Date"),
    "col.year": ("预算年度", "Budget year"),
    "col.amount": ("金额（元）", "Amount (CNY)"),
    "col.category": ("项目", "Item"),
    "col.annual_om": ("年运维费（元）", "Annual O&M (CNY)"),
    "col.reason": ("原因", "Reason"),
    "col.model": ("型号", "Model"),
    "col.age": ("使用年限", "Age (years)"),
    "col.responsible": ("责任方", "Responsible"),
    "col.duty": ("运维职责", "O&M duty"),
    "col.early_termination": ("需提前解约", "Early termination"),
    "col.effective": ("生效月份", "Effective month"),
    "col.total": ("合计", "Total"),
    "col.plan_metric": ("方案指标", "Plan metric"),
    "col.ledger": ("台账合计", "Ledger total"),
    "col.check": ("核对", "Check"),
    "table.filter": ("筛选…", "Filter…"),
    "table.rows": ("行", "rows"),
    "table.none": ("无", "none"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    # ---- enums
    "disposition.migrate": ("迁移上云", "migrate"),
    "disposition.retire": ("清理下线", "retire"),
    "disposition.merge": ("整合", "merge"),
    "disposition.intranet": ("迁入政务内网", "intranet"),
    "disposition.programme": ("随国家/省级部署", "programme"),
    "disposition.keep_local": ("本地保留", "keep local"),
    "disposition.blocked": ("暂缓迁移", "blocked"),
    "domain.public_service": ("公共服务域", "public-service domain"),
    "domain.administrative_service": ("行政服务域", "administrative-service domain"),
    "room.vacated": ("腾退", "vacated"),
    "room.retained": ("保留", "retained"),
    "room.merged": ("合并", "merged"),
    "network.retired": ("撤销", "cancelled"),
    "network.kept": ("保留", "kept"),
    "network.programme": ("随国家/省级部署", "programme"),
    "severity.error": ("严重", "error"),
    "severity.warning": ("警告", "warning"),
    "severity.info": ("提示", "info"),
    "proposal.transfer": ("移交大数据局", "transfer to the big-data bureau"),
    "proposal.reuse": ("部门再利用", "reuse in the department"),
    "proposal.scrap": ("报废核销", "scrap / write off"),
    "proposal.keep": ("原地保留", "keep in place"),
    # ---- department plan (PLAN-1)
    "dept.title": ("{department}迁移技术方案", "Migration technical plan: {department}"),
    "dept.index": ("部门迁移技术方案", "Department migration technical plans"),
    "dept.overview": ("概况", "Overview"),
    "dept.systems": ("系统处置", "Systems and dispositions"),
    "dept.rooms": ("机房", "Machine rooms"),
    "dept.lines": ("专线", "Leased lines"),
    "dept.assets": ("资产处置", "Assets to dispose"),
    "dept.om": ("迁移后运维责任", "O&M responsibilities after migration"),
    "dept.findings": ("待解决问题", "Open findings"),
    "dept.count": (
        "系统 {systems} 个，机房 {rooms} 间，专线 {lines} 条，资产 {assets} 件",
        "{systems} systems, {rooms} rooms, {lines} lines, {assets} assets",
    ),
    "dept.first_wave": ("迁移时间：{start} 至 {end}", "Migration window: {start} to {end}"),
    "dept.no_wave": ("本部门无需排期迁移的系统", "No system of this department is scheduled"),
    "dept.review": ("本方案依 PLAN-1 报市大数据局审核。", "Submitted for review under PLAN-1."),
    "ops.department": ("本部门", "the department"),
    "ops.bureau": ("市大数据局", "the big-data bureau"),
    "ops.application": ("应用运维", "application O&M"),
    "ops.software_security": ("软件安全运维", "software security O&M"),
    "ops.relocated_hardware": ("迁移设备硬件运维", "hardware O&M of relocated devices"),
    "ops.shared_platform": ("云平台共享部分运维", "O&M of the shared cloud platform"),
    "ops.local": ("本地保留系统及机房运维", "O&M of systems and rooms kept locally"),
    # ---- department plan as a Word document (PLAN-1)
    "docx.migration": ("迁移实施方案（逐系统）", "Migration procedure, system by system"),
    "docx.no_migration": ("本部门无迁移上云的系统。", "No system of this department migrates to the cloud."),
    "docx.item": ("项目", "Item"),
    "docx.value": ("内容", "Value"),
    "docx.method": ("迁移方式", "Migration method"),
    "docx.method.none": ("未确定", "not chosen"),
    "docx.outage": ("预计停机时长", "Estimated outage"),
    "docx.window": ("允许停机时长", "Downtime window"),
    "docx.data": ("迁移数据量", "Data to move"),
    "docx.prechecks": ("迁移前检查", "Pre-checks"),
    "docx.pre.backup": (
        "源系统完整备份已完成并经恢复验证",
        "A full backup of the source is taken and a restore tested",
    ),
    "docx.pre.target": (
        "目标云主机、数据卷和安全组已由 {stack} 栈创建并可登录",
        "Target instances, data volumes and security groups exist (stack {stack}) and accept SSH",
    ),
    "docx.pre.service": (
        "已确认源系统服务单元，可按计划停止和启动",
        "The source's service unit is identified and can be stopped and started as planned",
    ),
    "docx.pre.dependency": (
        "依赖系统 {system}（批次 {wave}）已可用，{protocol}/{port} 访问已开通",
        "Dependency {system} (wave {wave}) is available and {protocol}/{port} is open",
    ),
    "docx.pre.hosts": (
        "普查未登记源主机地址：迁移前须补充",
        "The survey records no source host: add it before the migration",
    ),
    "docx.verification": ("数据校验（MLPS-4）", "Data verification (MLPS-4)"),
    "docx.verify.manifest": (
        "逐文件 SHA-256 校验清单，源与目标一致后方可切换",
        "A SHA-256 manifest of every file; cut-over only when source and target agree",
    ),
    "docx.verify.tables": (
        "数据库逐表核对行数与校验和",
        "Per-table row counts and checksums of the database, source against target",
    ),
    "docx.verify.recovery": (
        "三级及以上系统：保留可恢复的源数据和校验记录（{rule}）",
        "Level 3 and above: a recoverable source and the verification records are kept ({rule})",
    ),
    "docx.tests": ("功能验证与测试方案", "Functional verification and test plan"),
    "docx.test.smoke": (
        "切换后冒烟测试：服务端口和健康检查",
        "Smoke test after cut-over: service port and health check",
    ),
    "docx.test.functional": (
        "业务部门按主要业务流程逐项验证功能",
        "The department verifies the main business processes one by one",
    ),
    "docx.test.users": (
        "用户访问验证：从部门局域网访问系统",
        "User access verified from the department's LAN",
    ),
    "docx.test.pilot": (
        "本系统属于试点批次：验证结果作为全面迁移的依据（{rule}）",
        "This system is in the pilot wave: its verification informs the general migration ({rule})",
    ),
    "docx.rollback": ("回退方案", "Rollback"),
    "docx.rollback.trigger": (
        "校验不一致、冒烟测试失败或超出停机窗口时回退",
        "Roll back on a verification mismatch, a failed smoke test or an overrun of the window",
    ),
    "docx.rollback.restart": (
        "回退时重新启动源系统并恢复原访问入口",
        "Rollback restarts the source and restores its endpoint",
    ),
    "docx.rollback.keep": (
        "已校验的目标数据保留，重试时只传输差异",
        "The verified copy on the target is kept, so a retry sends only the difference",
    ),
    "docx.rollback.final": (
        "业务部门确认验收（定稿）后不再回退；源系统按资产处置方案下线",
        "After the department signs off (finalisation) there is no rollback; the source is decommissioned",
    ),
    "docx.risks": ("风险与应对", "Risks"),
    "docx.risk.none": ("未发现需特别说明的风险", "No particular risk found"),
    "docx.risk.cross_domain": (
        "{n} 条跨安全域访问需在边界开通（{rule}）",
        "{n} flows cross the security-domain boundary and must be opened there ({rule})",
    ),
    "docx.risk.tight_window": (
        "预计停机 {outage}，接近允许停机 {window}：须演练并预留回退时间",
        "Estimated outage {outage} is close to the {window} window: rehearse and keep time to roll back",
    ),
    "docx.contacts": ("联系人", "Contacts"),
    "docx.builder": ("承建单位", "Built by"),
    "docx.maintainer": ("运维单位", "Maintained by"),
    "docx.contact": ("联系人及电话", "Contact"),
    "docx.signoff": ("审核签字", "Sign-off"),
    "docx.sign.party": ("单位", "Party"),
    "docx.sign.opinion": ("审核意见", "Opinion"),
    "docx.sign.signature": ("签字（盖章）", "Signature (seal)"),
    "docx.sign.department": ("申报部门", "Department"),
    "docx.sign.builder": ("承建单位", "Builder"),
    "docx.sign.maintainer": ("运维单位", "Maintainer"),
    "docx.sign.bureau": ("市大数据局", "Big-data bureau"),
    "method.cold": ("停机迁移", "cold (stop, copy, start)"),
    "method.warm": ("预同步后增量切换", "warm (pre-seed, final delta)"),
    "method.database": ("数据库复制切换", "database replica or dump"),
    # ---- net savings (one model: planner.savings)
    "net.title": ("节约测算（按预算年度）", "Net savings by budget year"),
    "net.gross": ("毛节约", "Gross savings"),
    "net.cloud": ("云资源费用", "Cloud charges"),
    "net.labour": ("迁移人工", "Migration labour"),
    "net.early_termination": ("专线提前解约费", "Early line termination"),
    "net.net": ("净节约", "Net savings"),
    "net.gross_total": ("毛节约合计（元）", "Gross savings, total (CNY)"),
    "net.net_total": ("净节约合计（元）", "Net savings, total (CNY)"),
    "net.payback": ("回本月份", "Payback month"),
    "net.never": ("测算期内未回本", "not within the budget years"),
    "net.asset_split": ("资产处置汇总", "Assets by disposal proposal"),
    "col.count": ("数量", "Count"),
    # ---- finance
    "fin.assets": ("资产处置", "Asset disposals"),
    "fin.lines": ("专线撤销", "Line cancellations"),
    "fin.rooms": ("机房节约", "Room savings"),
    "fin.funding": ("运维经费停止", "O&M funding stopped"),
    "fin.totals": ("部门年度合计", "Totals by department and year"),
    "fin.check": ("与方案指标核对", "Check against plan metrics"),
    "fin.rules": ("处置规则", "Disposal rules"),
    "fin.line_saving": ("专线节约", "line savings"),
    "fin.room_saving": ("机房节约", "room savings"),
    "fin.om_saving": ("运维经费节约", "O&M savings"),
    "fin.asset_value": ("处置资产账面价值", "book value disposed"),
    "fin.funding_retired": ("系统下线或整合，运维经费停止", "system retired or merged: O&M funding stops"),
    "fin.funding_unconnected": (
        "未接入共享平台，暂停运维经费",
        "not connected to the sharing platform: no O&M funds",
    ),
    "fin.rule_keep": (
        "服务于不迁移的系统；保留机房的网络接入设备和配套设施",
        "serves a system that does not move; network access equipment or facilities of a retained room",
    ),
    "fin.rule_scrap": (
        "无账面价值、购置日期不详、软件，或超过使用年限（IT 设备 {it} 年，UPS/空调 {facility} 年）",
        "no book value, unknown age, software, or older than {it} years (IT) / {facility} years "
        "(UPS, cooling)",
    ),
    "fin.rule_reuse": (
        "使用年限内的 UPS/空调；合并机房的网络设备",
        "UPS/cooling within life; network equipment of a merged room",
    ),
    "fin.rule_transfer": (
        "使用年限内的服务器、存储、安全、网络设备移交大数据局",
        "servers, storage, security and network equipment within life go to the big-data bureau",
    ),
    "asset.stays": (
        "服务于不迁移的系统 {systems}（{disposition}）",
        "serves {systems}, which does not move ({disposition})",
    ),
    "asset.network_retained": (
        "保留机房 {room} 的网络接入设备（{rule}）",
        "network access equipment of retained room {room} ({rule})",
    ),
    "asset.room_facility": ("保留机房 {room} 的配套设施", "facility of retained room {room}"),
    "asset.no_value": ("账面价值为零", "no book value left"),
    "asset.software": (
        "软件许可随原硬件停用，予以核销",
        "software licence bound to decommissioned hardware: write off",
    ),
    "asset.unknown_age": (
        "购置日期不详，经财政核查后核销",
        "purchase date unknown: write off after finance inspection",
    ),
    "asset.facility_old": (
        "已使用 {age} 年，超过设施 {life} 年使用年限",
        "{age} years old, past the {life}-year life of facilities",
    ),
    "asset.facility_reuse": (
        "设施在使用年限内（{age} 年），由部门再利用",
        "facility within its life ({age} years): reused by the department",
    ),
    "asset.it_old": (
        "已使用 {age} 年，超过 IT 设备 {life} 年使用年限",
        "{age} years old, past the {life}-year life of IT equipment",
    ),
    "asset.network_moves": (
        "网络接入设备随部门迁入 {room}（{rule}）",
        "network access equipment moves with the department to {room} ({rule})",
    ),
    "asset.transfer": (
        "设备在使用年限内（{age} 年），移交大数据局纳入云资源池",
        "IT equipment within its life ({age} years): to the big-data bureau's resource pool",
    ),
    # ---- progress (METRIC-1)
    "progress.title": ("{month} 月度进展", "Progress for {month}"),
    "progress.integrated": ("已整合迁移系统", "Systems integrated"),
    "progress.in_month": ("本月", "this month"),
    "progress.shared": ("共享数据资源", "Shared resources"),
    "progress.connection_rate": ("系统接入率", "System connection rate"),
    "progress.waves": ("各批次计划与实际", "Planned vs actual per wave"),
    "progress.savings": ("节约：实际与预测（元/月）", "Savings: realised vs forecast (CNY/month)"),
    "progress.planned": ("计划", "planned"),
    "progress.done": ("完成", "done"),
    "progress.realised": ("实际", "realised"),
    "progress.forecast": ("预测", "forecast"),
    "progress.cumulative": ("累计", "cumulative"),
    "progress.status.complete": ("已完成", "complete"),
    "progress.status.on_track": ("进行中", "on track"),
    "progress.status.late": ("滞后", "late"),
    "progress.status.not_started": ("未开始", "not started"),
    "event.system_migrated": ("系统迁移", "system migrated"),
    "event.system_merged": ("系统整合", "system merged"),
    "event.system_retired": ("系统下线", "system retired"),
    "event.system_connected": ("系统接入共享平台", "system connected"),
    "event.line_cancelled": ("专线撤销", "line cancelled"),
    "event.room_vacated": ("机房腾退", "room vacated"),
    "event.asset_disposed": ("资产处置", "asset disposed"),
}


@dataclass(frozen=True)
class Catalogue:
    """Labels in one language, looked up by key."""

    lang: Lang = "zh"

    def __post_init__(self) -> None:
        if self.lang not in LANGS:
            raise ValueError(f"unknown language {self.lang!r}: expected one of {', '.join(LANGS)}")

    def t(self, key: str, **fields: object) -> str:
        """The label of *key*, with ``{name}`` fields filled in; the key itself when unknown."""
        pair = MESSAGES.get(key)
        if pair is None:
            return key.format(**fields) if fields else key
        text = pair[0] if self.lang == "zh" else pair[1]
        return text.format(**fields) if fields else text

    def enum(self, prefix: str, value: object) -> str:
        """The label of an enum value, e.g. ``enum("disposition", Disposition.MIGRATE)``."""
        if value is None:
            return ""
        raw = getattr(value, "value", value)
        return self.t(f"{prefix}.{raw}")
