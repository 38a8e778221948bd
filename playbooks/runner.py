"""Running runbooks: step by step with checks, journal, rollback; a wave on a bounded worker pool.

Outcomes of a step: ``unchanged`` (its checks already passed / it only checks), ``done`` (its
action ran and its checks now pass), ``would-run`` (dry run), ``failed``, ``interrupted``
(the connection dropped: re-run to resume, or roll back explicitly), ``skipped``.
Every record leaving the runner — journal line, log line, error text — goes through
:meth:`SystemRun.emit` / the runbook's Redactor first.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playbooks.copy import CopyStats, DirPlan, copy_dir, manifest_digest, source_manifest, verify_dir
from playbooks.errors import ConnectionLost, PlaybookError, StepFailed, VerificationFailed
from playbooks.journal import Journal, JournalState, RunOutcome, now
from playbooks.model import Builtin, HostCommand, Role, Runbook, Step, StepName
from playbooks.redact import Redactor
from playbooks.render import RenderedRunbook
from playbooks.ssh import Connector, Endpoint, SSHSession

log = logging.getLogger("playbooks.run")


class Outcome:
    """Values of a step's `outcome`."""

    UNCHANGED = "unchanged"
    DONE = "done"
    WOULD_RUN = "would-run"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    SKIPPED = "skipped"


DRY_RUN = "dry-run"


@dataclass
class Hooks:
    """Test and progress hooks: called with the system id and live sessions."""

    on_file_verified: Callable[[str, int, dict[Role, SSHSession]], None] | None = None
    after_step: Callable[[str, StepName, dict[Role, SSHSession]], None] | None = None


@dataclass
class RunOptions:
    """How runbooks are executed."""

    connector: Connector
    journal_dir: Path
    dry_run: bool = False
    batch_files: int = 64
    batch_bytes: int = 256 << 20
    hooks: Hooks = field(default_factory=Hooks)


@dataclass
class StepResult:
    """One step's outcome in one run."""

    name: str
    outcome: str
    detail: str = ""


@dataclass
class RunResult:
    """One system's run: final outcome, per-step outcomes, copy counters and (redacted) error."""

    system: str
    outcome: str
    steps: list[StepResult] = field(default_factory=list)
    error: str | None = None
    copy: CopyStats = field(default_factory=CopyStats)
    journal: Path | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in (RunOutcome.COMPLETE, DRY_RUN)

    def step(self, name: str) -> StepResult:
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(name)


def journal_path(journal_dir: Path, system_id: str) -> Path:
    return Path(journal_dir) / f"{system_id}.jsonl"


class SystemRun:
    """The execution of one runbook."""

    def __init__(self, rendered: RenderedRunbook, options: RunOptions) -> None:
        self.rendered = rendered
        self.rb: Runbook = rendered.runbook
        self.options = options
        self.redactor: Redactor = rendered.redactor
        self.journal = Journal(journal_path(options.journal_dir, self.rb.system), self.redactor)
        self.state: JournalState = self.journal.state()
        self.run_id = uuid.uuid4().hex[:12]
        self.sessions: dict[Role, SSHSession] = {}
        self.result = RunResult(self.rb.system, RunOutcome.FAILED, journal=self.journal.path)
        self.frozen = False  # the freeze action ran or was found done: failures now roll back
        self.pending = False  # dry run: an earlier step would change something, later checks are moot
        self._failure: BaseException | None = None
        self.manifests: dict[int, DirPlan] = {}  # source manifests of this run (the source is frozen)

    # ------------------------------------------------------------------ the one exit for records

    def emit(self, record: dict[str, Any], level: int = logging.INFO) -> None:
        """Journal (unless dry run) and log one record, redacted."""
        record = {"run": self.run_id, "system": self.rb.system, **record}
        if self.options.dry_run:
            record = self.redactor.scrub_obj({"dry_run": True, **record})
        else:
            record = self.journal.append(record)
        parts = [
            f"{k}={v}"
            for k, v in record.items()
            if k not in ("run", "system", "ts") and v not in (None, "", [])
        ]
        log.log(level, self.redactor.scrub(f"{self.rb.system}: " + " ".join(parts)))

    def scrub(self, text: str) -> str:
        return self.redactor.scrub(text)

    # ------------------------------------------------------------------ hosts

    def endpoint(self, role: Role) -> Endpoint:
        h = self.rb.source if role is Role.SOURCE else self.rb.target
        return Endpoint(h.address, h.port, h.user, h.known_hosts)

    def session(self, role: Role) -> SSHSession:
        if role not in self.sessions or not self.sessions[role].is_active():
            self.sessions[role] = self.options.connector.connect(self.endpoint(role))
        return self.sessions[role]

    def host_label(self, role: Role) -> str:
        return self.endpoint(role).label

    def sh(self, cmd: HostCommand, *, check: bool) -> bool:
        res = self.session(cmd.host).run(cmd.run, sudo=cmd.sudo or False, env=self.rendered.env, check=check)
        return res.ok

    # ------------------------------------------------------------------ steps

    def run(self) -> RunResult:
        rb = self.rb
        self.emit(
            {
                "event": "run-start",
                "source": self.host_label(Role.SOURCE),
                "target": self.host_label(Role.TARGET),
                "resumed_from": self.state.last_outcome,
            }
        )
        failure: BaseException | None = None
        for step in rb.steps:
            if step.name is StepName.FREEZE and not self.options.dry_run:
                self.frozen = True  # set before the action: a half-done stop is rolled back too
            outcome = self.step(step)
            self.result.steps.append(outcome)
            if outcome.outcome in (Outcome.FAILED, Outcome.INTERRUPTED):
                failure = self._failure
                break
            if outcome.outcome == Outcome.WOULD_RUN:
                self.pending = True
            if self.options.hooks.after_step and not self.options.dry_run:
                self.options.hooks.after_step(rb.system, step.name, self.sessions)
        done = {s.name for s in self.result.steps}
        for step in rb.steps:
            if step.name.value not in done:
                self.result.steps.append(StepResult(step.name.value, Outcome.SKIPPED))
        if failure is None:
            self.result.outcome = DRY_RUN if self.options.dry_run else RunOutcome.COMPLETE
        elif isinstance(failure, ConnectionLost):
            self.result.outcome = RunOutcome.INTERRUPTED
            self.result.error += "; re-run to resume (verified files are kept) or roll back explicitly"  # type: ignore[operator]
        elif self.frozen and not self.options.dry_run and not self.state.complete:
            # Never after a completed cut-over: the target is live and may hold newer data.
            self.result.outcome = self.rollback(reason=self.result.error or "failure")
        else:
            self.result.outcome = RunOutcome.FAILED
        self.emit(
            {
                "event": "run-end",
                "outcome": self.result.outcome,
                "error": self.result.error,
                "copy": vars(self.result.copy),
            },
            logging.INFO if self.result.ok else logging.ERROR,
        )
        self.close()
        return self.result

    def step(self, step: Step) -> StepResult:
        start = now()
        host = (
            ",".join(sorted({self.host_label(c.host) for c in [*step.check, *step.action]}))
            or f"{self.host_label(Role.SOURCE)}->{self.host_label(Role.TARGET)}"
        )
        extra: dict[str, Any] = {}
        try:
            if self.pending and step.read_only:
                outcome = Outcome.WOULD_RUN  # checks what an earlier step has not done yet
            elif step.builtin is Builtin.COPY:
                outcome, extra = self.copy()
            elif step.builtin is Builtin.VERIFY:
                outcome, extra = self.verify()
            elif step.read_only:
                for c in step.action:
                    self.sh(c, check=True)
                outcome = Outcome.UNCHANGED
            elif step.check and all(self.sh(c, check=False) for c in step.check):
                outcome = Outcome.UNCHANGED
            elif self.options.dry_run:
                outcome = Outcome.WOULD_RUN
            else:
                for c in step.action:
                    self.sh(c, check=True)
                if step.check and not all(self.sh(c, check=False) for c in step.check):
                    raise StepFailed(f"{step.name.value}: the action ran but its check still fails")
                outcome = Outcome.DONE
            detail = ""
        except (ConnectionLost, PlaybookError, OSError, Exception) as exc:  # noqa: B014 - all end the step
            self._failure = exc
            outcome = Outcome.INTERRUPTED if isinstance(exc, ConnectionLost) else Outcome.FAILED
            text = str(exc) if isinstance(exc, PlaybookError) else f"{type(exc).__name__}: {exc}"
            detail = self.scrub(f"{step.name.value}: {text}")
            self.result.error = detail
            if isinstance(exc, VerificationFailed):
                extra["mismatched"] = exc.mismatched[:50]
        self.emit(
            {
                "event": "step",
                "step": step.name.value,
                "host": host,
                "start": start,
                "end": now(),
                "outcome": outcome,
                "commands": [f"{c.host.value}: {c.run}" for c in [*step.check, *step.action]],
                **extra,
                "error": detail or None,
            },
            logging.ERROR if outcome in (Outcome.FAILED, Outcome.INTERRUPTED) else logging.INFO,
        )
        return StepResult(step.name.value, outcome, detail)

    def copy(self) -> tuple[str, dict[str, Any]]:
        src, dst = self.session(Role.SOURCE), self.session(Role.TARGET)
        stats = self.result.copy
        digests: dict[str, str] = {}
        verified_now = 0

        def record(index: int, rel: str, sha: str, size: int, outcome: str) -> None:
            self.emit(
                {
                    "event": "file",
                    "step": "copy",
                    "host": dst.endpoint.label,
                    "dir": index,
                    "path": rel,
                    "sha256": sha,
                    "size": size,
                    "outcome": outcome,
                }
            )

        def on_verified(n: int) -> None:
            nonlocal verified_now
            verified_now += n
            if self.options.hooks.on_file_verified:
                self.options.hooks.on_file_verified(self.rb.system, verified_now, self.sessions)

        for i, d in enumerate(self.rb.data):
            plan = source_manifest(src, i, d.source, d.target)
            self.manifests[i] = plan
            digests[d.source] = manifest_digest(plan.hashes, plan.tree.links)
            copy_dir(
                src,
                dst,
                plan,
                self.state.verified,
                stats,
                record,
                batch_files=self.options.batch_files,
                batch_bytes=self.options.batch_bytes,
                dry_run=self.options.dry_run,
                live=self.state.complete,
                on_verified=on_verified,
            )
        extra = {"checksums": digests, "stats": vars(stats)}
        if self.options.dry_run:
            return (Outcome.WOULD_RUN if stats.changed else Outcome.UNCHANGED), extra
        return (Outcome.DONE if stats.changed else Outcome.UNCHANGED), extra

    def verify(self) -> tuple[str, dict[str, Any]]:
        src, dst = self.session(Role.SOURCE), self.session(Role.TARGET)
        checksums: dict[str, dict[str, Any]] = {}
        bad: list[str] = []
        for i, d in enumerate(self.rb.data):
            rep = verify_dir(src, dst, i, d.source, d.target, self.manifests.get(i))
            checksums[d.source] = {
                "source": rep.source_digest,
                "target": rep.target_digest,
                "files": rep.files,
            }
            bad += [f"{d.target}/{r} (missing)" for r in rep.missing]
            bad += [f"{d.target}/{r} (unexpected)" for r in rep.extra]
            bad += [f"{d.target}/{r} (checksum differs)" for r in rep.mismatched]
        if bad:
            raise VerificationFailed(
                f"target differs from the source manifest in {len(bad)} place(s): "
                f"{'; '.join(bad[:10])}; cut-over blocked",
                bad,
            )
        return Outcome.UNCHANGED, {"checksums": checksums}

    # ------------------------------------------------------------------ rollback

    def rollback(self, reason: str) -> str:
        """Put the source back into service and clean the target; journalled like a step."""
        step, start, errors = self.rb.rollback, now(), []
        for c in step.action:
            try:
                res = self.session(c.host).run(c.run, sudo=c.sudo, env=self.rendered.env)
                if not res.ok:
                    errors.append(f"{c.host.value}: exit {res.exit_status}: {c.run}")
            except PlaybookError as exc:
                errors.append(str(exc))
        try:
            checked = all(self.sh(c, check=False) for c in step.check)
        except PlaybookError as exc:
            checked, errors = False, [*errors, str(exc)]
        outcome = Outcome.DONE if checked else Outcome.FAILED
        detail = self.scrub("; ".join(errors)) if errors else ""
        self.emit(
            {
                "event": "step",
                "step": StepName.ROLLBACK.value,
                "host": self.host_label(Role.SOURCE) + "," + self.host_label(Role.TARGET),
                "start": start,
                "end": now(),
                "outcome": outcome,
                "reason": reason,
                "commands": [f"{c.host.value}: {c.run}" for c in step.action],
                "error": detail or None,
            },
            logging.WARNING,
        )
        self.result.steps.append(StepResult(StepName.ROLLBACK.value, outcome, detail))
        return RunOutcome.ROLLED_BACK if checked else RunOutcome.ROLLBACK_FAILED

    def close(self) -> None:
        for s in self.sessions.values():
            s.close()


def run_runbook(rendered: RenderedRunbook, options: RunOptions) -> RunResult:
    """Run one system's runbook; never raises for a host's failure, it is in the result."""
    run = SystemRun(rendered, options)
    try:
        return run.run()
    except Exception as exc:  # a bug or an unforeseen error: still a result, still redacted
        run.close()
        run.result.outcome = RunOutcome.FAILED
        run.result.error = run.scrub(f"{type(exc).__name__}: {exc}")
        with contextlib.suppress(Exception):
            run.emit(
                {"event": "run-end", "outcome": RunOutcome.FAILED, "error": run.result.error}, logging.ERROR
            )
        return run.result


def rollback_runbook(rendered: RenderedRunbook, options: RunOptions, reason: str = "requested") -> RunResult:
    """Explicit rollback (e.g. after an interrupted run the operator abandons)."""
    run = SystemRun(rendered, options)
    try:
        run.emit({"event": "run-start", "rollback": True})
        run.result.outcome = run.rollback(reason)
        run.emit({"event": "run-end", "outcome": run.result.outcome})
        return run.result
    except PlaybookError as exc:
        run.result.error = run.scrub(str(exc))
        return run.result
    finally:
        run.close()


def run_wave(runbooks: list[RenderedRunbook], options: RunOptions, workers: int = 4) -> list[RunResult]:
    """Run many systems at once on at most *workers* threads; one failure never stops the others."""
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="runbook") as pool:
        return list(pool.map(lambda r: run_runbook(r, options), runbooks))


SUMMARY_COLUMNS = ("system", "outcome", "failed step", "files sent", "files skipped", "MB sent", "error")


def summary_rows(results: list[RunResult]) -> list[tuple[str, ...]]:
    """The end-of-wave table, one row per system (the CLI draws it)."""
    rows: list[tuple[str, ...]] = []
    for r in results:
        failed = next((s.name for s in r.steps if s.outcome in (Outcome.FAILED, Outcome.INTERRUPTED)), "")
        rows.append(
            (
                r.system,
                r.outcome,
                failed,
                str(r.copy.files_sent),
                str(r.copy.files_skipped),
                f"{r.copy.bytes_sent / 1e6:.1f}",
                (r.error or "")[:200],
            )
        )
    return rows
