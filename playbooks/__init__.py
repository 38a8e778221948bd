"""Playbooks: per-system migration runbooks rendered from the plan and run over SSH (MLPS-4).

Core API (no typer/rich here; the CLI lives in ``govcloud.cli.playbook``):
    render_runbook(system_id, plan, inventory, targets, fingerprints) -> RenderedRunbook
    run_runbook(runbook, options) -> RunResult
    run_wave(runbooks, options, workers) -> list[RunResult]
    rollback_runbook / finalise_runbook(runbook, options) -> RunResult
    targets_from_outputs(load_stack_outputs(FILE), inventory, targets) -> targets  (playbooks.outputs)
See playbooks/README.md for the design: rsync source -> target, incremental SHA-256 manifests,
warm pre-seed, database replicas, locks in the progress database.
"""
