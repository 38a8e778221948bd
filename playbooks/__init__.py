"""Playbooks: per-system migration runbooks rendered from the plan and run over SSH (MLPS-4).

Core API (no typer/rich here; the CLI lives in ``govcloud.cli.playbook``):
    render_runbook(system_id, plan, inventory, targets) -> RenderedRunbook
    run_runbook(runbook, options) -> RunResult
    run_wave(runbooks, options, workers) -> list[RunResult]
"""
