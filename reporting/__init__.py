"""Reporting: the HTML report, department plans (PLAN-1), the finance ledger and progress (METRIC-1).

Public API (core code: no typer, no rich; progress is a plain ``(stage, fraction)`` callback):
  reporting.report.render_report(plan, inventory, *, lang, out_dir, policy=None, progress=None) -> Path
  reporting.departments.write_department_plans(plan, inventory, *, out_dir, lang, progress=None) -> list[Path]
  reporting.finance.build_ledger(plan, inventory) -> Ledger
  reporting.finance.write_finance(plan, inventory, *, xlsx=None, csv_dir=None, lang, progress=None) -> Ledger
  reporting.progress.ProgressTracker(plan, inventory, *, url, today=None)
      .record(Event), .monthly_report(month)
Labels of every output come from reporting.messages (zh and en); rule texts from planner.rules.
"""
