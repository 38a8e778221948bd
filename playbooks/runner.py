"""Running runbooks: step by step with checks, journal, locks, rollback; a wave shared by controllers.

Outcomes of a step: ``unchanged`` (its checks already passed / it only checks), ``done`` (its
action ran and its checks now pass), ``would-run`` (dry run), ``failed``, ``interrupted``
(the connection or the transfer dropped: re-run to resume, or roll back explicitly), ``skipped``.

Methods (PlanSystem.method): ``cold`` freezes, then copies; ``warm`` and ``database`` pre-seed
while the source is live (rsync passes until the delta is small, databases as streaming
replicas), refuse to freeze when the last delta says the final pass would overrun the system's
``downtime_hours``, then freeze, final pass, verify, cut over. The outage (freeze until the
target is healthy) is measured and journalled.

Every record leaving the runner - journal line, log line, error text - goes through
:meth:`SystemRun.emit` / the runbook's Redactor first.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from playbooks import manifest as mf
from playbooks.database import database_for
from playbooks.errors import (
    CommandFailed,
    ConnectionLost,
    LockLost,
    PlaybookError,
    StepFailed,
    VerificationFailed,
)
from playbooks.journal import Journal, JournalState, RunOutcome, now
from playbooks.model import Builtin, HostCommand, HostPair, Role, Runbook, Step, StepName
from playbooks.redact import Redactor
from playbooks.render import RenderedRunbook
from playbooks.rsync import PassStats, RsyncLink
from playbooks.ssh import Connector, Endpoint, SSHSession

if TYPE_CHECKING:
    from reporting.progress import MigrationLedger

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
LOCKED = "locked"  # another controller runs this system: nothing was touched
HASH_RATE_ESTIMATE = 100e6  # bytes/s assumed for re-hashing the final delta in the estimate


def controller_id() -> str:
    """Who holds a lock: this machine and process (several controllers may share one wave)."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Hooks:
    """Test and progress hooks: called with the system id and live sessions."""

    after_pass: Callable[[str, str, int, PassStats], None] | None = None  # system, pair, pass no, stats
    after_step: Callable[[str, StepName, dict[tuple[str, Role], SSHSession]], None] | None = None


@dataclass
class RunOptions:
    """How runbooks are executed."""

    connector: Connector
    journal_dir: Path
    dry_run: bool = False
    hooks: Hooks = field(default_factory=Hooks)
    ledger: MigrationLedger | None = None  # progress database: locks and step records
    controller: str = field(default_factory=controller_id)
    allow_overrun: bool = False  # freeze even when the final pass is estimated to exceed downtime_hours
    bwlimit_kbps: int | None = None  # overrides the runbook's bandwidth limit (0: no limit)
    max_passes: int = 5  # pre-seed passes at most
    small_delta_bytes: int = 64 << 20  # a pre-seed pass that moved no more than this ends pre-seeding
    settle_seconds: float = 1.0  # quiescence: the frozen source must not change for this long
    force: bool = False  # rollback after finalisation


@dataclass
class StepResult:
    """One step's outcome in one run."""

    name: str
    outcome: str
    detail: str = ""


@dataclass
class CopyStats:
    """What the data movement of a run did."""

    passes: int = 0
    files: int = 0
    files_sent: int = 0
    bytes_total: int = 0
    bytes_transferred: int = 0  # size of the files rsync updated
    bytes_literal: int = 0  # of which actually sent as data (the rest were matching blocks)
    bytes_sent: int = 0  # on the wire
    files_hashed: int = 0  # SHA-256 computed this run (both ends), the rest came from the cache
    bytes_hashed: int = 0
    specials: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.files_sent or self.bytes_literal)


@dataclass
class RunResult:
    """One system's run: final outcome, per-step outcomes, copy counters and (redacted) error."""

    system: str
    outcome: str
    steps: list[StepResult] = field(default_factory=list)
    error: str | None = None
    copy: CopyStats = field(default_factory=CopyStats)
    journal: Path | None = None
    outage_seconds: float | None = None
    estimated_final_seconds: float | None = None

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


def hash_cache_path(journal_dir: Path, system_id: str) -> Path:
    return Path(journal_dir) / f"{system_id}.hashes.json"


class SystemRun:
    """The execution of one runbook."""

    def __init__(self, rendered: RenderedRunbook, options: RunOptions) -> None:
        self.rendered = rendered
        self.rb: Runbook = rendered.runbook
        self.options = options
        self.redactor: Redactor = rendered.redactor
        self.journal = Journal(journal_path(options.journal_dir, self.rb.system), self.redactor)
        self.state: JournalState = self.journal.state()
        self.cache = mf.HashCache(hash_cache_path(options.journal_dir, self.rb.system))
        self.run_id = uuid.uuid4().hex[:12]
        self.sessions: dict[tuple[str, Role], SSHSession] = {}
        self.links: dict[str, RsyncLink] = {}
        self.final_items: dict[tuple[str, int], int] = {}  # (pair, data dir): entries the final pass changed
        self.frozen_digests: dict[tuple[str, int], str] = {}  # (pair, data dir): source listing at freeze
        self.not_passed: list[str] = []  # data dirs the final pass skipped: unchanged since verified
        self.pass_items: dict[tuple[str, int], int] = {}  # (pair, data dir): entries the last pass changed
        self.result = RunResult(self.rb.system, RunOutcome.FAILED, journal=self.journal.path)
        self.frozen = False  # the freeze action ran or was found done: failures now roll back
        self.pending = False  # dry run: an earlier step would change something, later checks are moot
        self._failure: BaseException | None = None
        self.frozen_at: float | None = None
        self._sessions_lock = threading.Lock()
        self.databases = {p.role: database_for(p, self) for p in self.rb.pairs if p.database}

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
            if k not in ("run", "system", "ts") and v not in (None, "", [], {})
        ]
        log.log(level, self.redactor.scrub(f"{self.rb.system}: " + " ".join(parts)))

    def scrub(self, text: str) -> str:
        return self.redactor.scrub(text)

    @property
    def system(self) -> str:
        return self.rb.system

    @property
    def env(self) -> dict[str, str]:
        return self.rendered.env

    # ------------------------------------------------------------------ hosts

    def endpoint(self, pair: HostPair, role: Role) -> Endpoint:
        h = pair.source if role is Role.SOURCE else pair.target
        return Endpoint(h.address, h.port, h.user, tuple(h.host_key_fingerprints))

    def session(self, pair: HostPair | str, role: Role) -> SSHSession:
        p = self.rb.pair(pair) if isinstance(pair, str) else pair
        key = (p.role, role)
        with self._sessions_lock:  # steps talk to several hosts at once
            if key not in self.sessions or not self.sessions[key].is_active():
                self.sessions[key] = self.options.connector.connect(self.endpoint(p, role))
            return self.sessions[key]

    def host_label(self, pair: HostPair | str, role: Role) -> str:
        p = self.rb.pair(pair) if isinstance(pair, str) else pair
        return self.endpoint(p, role).label

    def sh(self, cmd: HostCommand, *, check: bool) -> bool:
        res = self.session(cmd.pair, cmd.host).run(
            cmd.run, sudo=cmd.sudo or False, env=self.rendered.env, check=check
        )
        return res.ok

    def checks(self, commands: list[HostCommand]) -> None:
        """Read-only commands, one remote script per host, failing with the command that failed."""
        groups: dict[tuple[str, Role, bool], list[str]] = {}
        for c in commands:
            groups.setdefault((c.pair, c.host, c.sudo), []).append(c.run)

        def one(key: tuple[str, Role, bool]) -> None:
            pair, role, sudo = key
            script = "\n".join(
                f"( {cmd}\n) || {{ echo 'check failed:' {shlex.quote(cmd)} >&2; exit 1; }}"
                for cmd in groups[key]
            )
            res = self.session(pair, role).run(script, sudo=sudo, env=self.rendered.env)
            if not res.ok:
                tail = res.stderr.decode("utf-8", "replace").strip()[-500:]
                raise CommandFailed(
                    f"{self.host_label(pair, role)}: exit {res.exit_status}: {tail}", res.exit_status
                )

        parallel([partial(one, k) for k in groups])

    def check_then_act(self, step: Step) -> str:
        """A step's checks, and its actions only when a check fails, then the checks again.

        Inside the outage every round trip counts: each host's share of the step (its checks
        and actions, in the step's order: databases first at cut-over) is one remote script,
        which reports on its last line whether it found its part done already or did it.
        """
        keys = list(dict.fromkeys((c.pair, c.host, c.sudo) for c in [*step.action, *step.check]))
        if all(any((c.pair, c.host, c.sudo) == k for c in step.action) for k in keys):
            outcomes = [
                self._host_share(
                    step,
                    k,
                    [c.run for c in step.check if (c.pair, c.host, c.sudo) == k],
                    [c.run for c in step.action if (c.pair, c.host, c.sudo) == k],
                )
                for k in keys
            ]
            return Outcome.UNCHANGED if set(outcomes) == {Outcome.UNCHANGED} else Outcome.DONE
        if step.check and all(parallel([partial(self.sh, c, check=False) for c in step.check])):
            return Outcome.UNCHANGED
        for (pair, role, sudo), runs in _consecutive(step.action):  # in order: databases first
            self.session(pair, role).run(step_script([], runs), sudo=sudo, env=self.rendered.env, check=True)
        if step.check and not all(parallel([partial(self.sh, c, check=False) for c in step.check])):
            raise StepFailed(f"{step.name.value}: the action ran but its check still fails")
        return Outcome.DONE

    def _host_share(
        self, step: Step, key: tuple[str, Role, bool], checks: list[str], actions: list[str]
    ) -> str:
        """One host's checks and actions of *step* as one script: unchanged or done, else raise."""
        pair, role, sudo = key
        res = self.session(pair, role).run(step_script(checks, actions), sudo=sudo, env=self.rendered.env)
        marker = res.text().rstrip().rsplit("\n", 1)[-1]
        if res.ok and marker == STEP_MARKERS[Outcome.UNCHANGED]:
            return Outcome.UNCHANGED
        if res.ok and marker == STEP_MARKERS[Outcome.DONE]:
            return Outcome.DONE
        tail = res.stderr.decode("utf-8", "replace").strip()[-500:]
        if marker == STEP_MARKERS[Outcome.FAILED]:
            raise StepFailed(f"{step.name.value}: the action ran but its check still fails: {tail}")
        raise CommandFailed(f"{self.host_label(pair, role)}: exit {res.exit_status}: {tail}", res.exit_status)

    def link(self, pair: HostPair) -> RsyncLink:
        if pair.role not in self.links:
            src, dst = self.session(pair, Role.SOURCE), self.session(pair, Role.TARGET)
            self.links[pair.role] = RsyncLink(src, dst, pair, self.rb.system, self.run_id).open()
        return self.links[pair.role]

    def _file_pairs(self) -> Iterator[tuple[HostPair, int]]:
        """(pair, data dir index) of every file data set (database directories move by replication)."""
        for p in self.rb.pairs:
            for i, _ in enumerate(p.data):
                yield p, i

    # ------------------------------------------------------------------ the run

    def run(self) -> RunResult:
        ledger, me = self.options.ledger, self.options.controller
        if ledger is not None:
            holder = ledger.acquire(self.rb.system, me)
            if holder is not None:
                self.result.outcome = LOCKED
                self.result.error = f"{self.rb.system}: being run by controller {holder}; nothing done"
                log.warning(self.result.error)
                return self.result
        stop_renewal = threading.Event()
        renewer = None
        if ledger is not None:
            renewer = threading.Thread(target=self._renew, args=(stop_renewal,), daemon=True)
            renewer.start()
        try:
            if self.state.complete and not self.options.dry_run:
                return self._already_done("cut over earlier")
            if ledger is not None and not self.options.dry_run:
                outcome, by = ledger.last_outcome(self.rb.system)
                if outcome == RunOutcome.COMPLETE:
                    return self._already_done(f"cut over by controller {by}")
            return self._run_steps()
        finally:
            stop_renewal.set()
            if renewer is not None:
                renewer.join(5)
            if ledger is not None:
                with contextlib.suppress(Exception):
                    done = self.result.outcome if not self.options.dry_run else ""
                    ledger.release(self.rb.system, me, done)

    def _renew(self, stop: threading.Event) -> None:
        ledger = self.options.ledger
        assert ledger is not None
        while not stop.wait(max(1.0, ledger.lease_s / 4)):
            with contextlib.suppress(Exception):
                if not ledger.renew(self.rb.system, self.options.controller):
                    # Lease taken over or lock session lost: say so, loudly, once per renewal.
                    log.error("%s: this controller no longer holds the system's lock", self.rb.system)

    def _still_held(self) -> bool:
        """Whether this controller still holds the system's lock (no progress database: yes).

        Asked before every step, so a lock lost mid-run (a lease taken over, the lock's database
        session gone) stops the run at the next step rather than at the next renewal."""
        ledger = self.options.ledger
        if ledger is None:
            return True
        try:
            return ledger.renew(self.rb.system, self.options.controller)
        except Exception:  # noqa: BLE001 - a lock that cannot be confirmed is not held
            return False

    def _already_done(self, why: str) -> RunResult:
        """A re-run after cut-over: report done, change nothing, connect nowhere."""
        self.result.outcome = RunOutcome.COMPLETE
        self.result.steps = [StepResult(s.name.value, Outcome.UNCHANGED, why) for s in self.rb.steps]
        log.info("%s: %s; nothing to do", self.rb.system, why)
        return self.result

    def _run_steps(self) -> RunResult:
        rb = self.rb
        self.emit(
            {
                "event": "run-start",
                "method": rb.method,
                "controller": self.options.controller,
                "pairs": {
                    p.role: f"{self.host_label(p, Role.SOURCE)}->{self.host_label(p, Role.TARGET)}"
                    for p in rb.pairs
                },
                "resumed_from": self.state.last_outcome,
            }
        )
        failure: BaseException | None = None
        for step in rb.steps:
            if not self.options.dry_run and not self._still_held():
                # Another controller may run the system now: touch nothing more, not even a
                # rollback (restarting the source under its run would defeat its freeze).
                failure = self._failure = LockLost(
                    f"{rb.system}: this controller no longer holds the system's lock (another "
                    f"controller may run it now); stopped before {step.name.value}, nothing more done"
                )
                self.result.error = str(failure)
                self.result.steps.append(StepResult(step.name.value, Outcome.INTERRUPTED, str(failure)))
                self.emit({"event": "lock-lost", "before": step.name.value}, logging.ERROR)
                break
            if step.name is StepName.FREEZE and not self.options.dry_run:
                self.frozen = True  # set before the action: a half-done stop is rolled back too
                self.frozen_at = time.monotonic()
            outcome = self.step(step)
            self.result.steps.append(outcome)
            if outcome.outcome in (Outcome.FAILED, Outcome.INTERRUPTED):
                failure = self._failure
                break
            if step.name is StepName.CUT_OVER and self.frozen_at is not None and not self.options.dry_run:
                # The outage ends when the target serves: started, endpoint switched, smoke test passed.
                self.result.outage_seconds = round(time.monotonic() - self.frozen_at, 3)
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
            if self.result.outage_seconds is not None:
                self.emit({"event": "outage", "seconds": self.result.outage_seconds, "method": rb.method})
        elif isinstance(failure, (ConnectionLost, LockLost)):
            self.result.outcome = RunOutcome.INTERRUPTED
            self.result.error = (self.result.error or "") + (
                "; re-run to resume (what is on the target is kept) or roll back explicitly"
            )
        elif self.frozen and not self.options.dry_run and not self.state.complete:
            self.result.outcome = self.rollback(reason=self.result.error or "failure")
        else:
            self.result.outcome = RunOutcome.FAILED
        self.close_links()
        self.emit(
            {
                "event": "run-end",
                "outcome": self.result.outcome,
                "error": self.result.error,
                "outage_seconds": self.result.outage_seconds,
                "copy": {k: v for k, v in vars(self.result.copy).items() if k != "specials"},
            },
            logging.INFO if self.result.ok else logging.ERROR,
        )
        self.close()
        return self.result

    def step(self, step: Step) -> StepResult:
        start = now()
        ledger = self.options.ledger
        row = None
        if ledger is not None and not self.options.dry_run:
            with contextlib.suppress(Exception):
                row = ledger.step_started(
                    self.rb.system, self.run_id, step.name.value, self.options.controller
                )
        hosts = {self.host_label(c.pair, c.host) for c in [*step.check, *step.action]}
        host = ",".join(sorted(hosts)) or ",".join(
            f"{self.host_label(p, Role.SOURCE)}->{self.host_label(p, Role.TARGET)}" for p in self.rb.pairs
        )
        extra: dict[str, Any] = {}
        try:
            if self.pending and step.read_only:
                outcome = Outcome.WOULD_RUN  # checks what an earlier step has not done yet
            elif step.builtin is Builtin.PRE_SEED:
                outcome, extra = self.pre_seed()
            elif step.builtin is Builtin.SYNC:
                outcome, extra = self.sync()
            elif step.builtin is Builtin.VERIFY:
                outcome, extra = self.verify()
            elif step.read_only:
                self.checks(step.action)
                if step.name is StepName.PRE_CHECK and not self.options.dry_run:
                    # The per-run keys go in now, after the checks (each host's shell is open by
                    # then): that the source can reach its target is checked before the freeze,
                    # and costs the outage nothing.
                    parallel([partial(self.link, p) for p in self.rb.pairs if p.data])
                outcome = Outcome.UNCHANGED
                if step.name is StepName.POST_CHECK and self.databases and not self.options.dry_run:
                    extra = self.verify_databases()
            elif self.options.dry_run:
                checked = bool(step.check) and all(self.sh(c, check=False) for c in step.check)
                outcome = Outcome.UNCHANGED if checked else Outcome.WOULD_RUN
            else:
                outcome = self.check_then_act(step)
            if step.builtin is Builtin.QUIESCE and not self.options.dry_run:
                extra = self.quiesce()
            if step.after and not self.options.dry_run:
                self.checks(step.after)  # smoke tests: one script per host, the first failure named
                extra["smoke_tests"] = len(step.after)
            detail = ""
        except Exception as exc:  # noqa: BLE001 - every failure ends the step, recorded below
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
                "commands": [
                    f"{c.pair}/{c.host.value}: {c.run}" for c in [*step.check, *step.action, *step.after]
                ],
                **extra,
                "error": detail or None,
            },
            logging.ERROR if outcome in (Outcome.FAILED, Outcome.INTERRUPTED) else logging.INFO,
        )
        if row is not None and ledger is not None:
            with contextlib.suppress(Exception):
                ledger.step_ended(row, outcome)
        return StepResult(step.name.value, outcome, detail)

    # ------------------------------------------------------------------ data movement

    @property
    def bwlimit_kbps(self) -> int | None:
        """The copies' bandwidth limit (KiB/s): the option's, else the runbook's (the policy's)."""
        return self.rb.bandwidth_kbps if self.options.bwlimit_kbps is None else self.options.bwlimit_kbps

    def _rsync_pass(self, live: bool) -> PassStats:
        """One rsync pass over every data directory of every pair."""
        total = PassStats()
        ran = False
        for pair, i in self._file_pairs():
            if not live and self._unchanged_since_verified(pair, i):
                self.final_items[(pair.role, i)] = 0
                self.not_passed.append(pair.data[i].source)
                continue
            st = self.link(pair).run(pair.data[i], live=live, bwlimit_kbps=self.bwlimit_kbps)
            self.pass_items[(pair.role, i)] = st.items
            if not live:
                self.final_items[(pair.role, i)] = st.items
            total.add(st)
            ran = True
        c = self.result.copy
        c.passes += ran
        c.files_sent += total.files_sent
        c.bytes_total = total.total_size
        c.bytes_transferred += total.transferred_size
        c.bytes_literal += total.literal
        c.bytes_sent += total.bytes_sent
        return total

    def _unchanged_since_verified(self, pair: HostPair, i: int) -> bool:
        """Neither end of data directory *i* changed since a pass that verified them equal.

        The frozen source's listing (taken by the quiescence check) and the target's listing
        now equal those of the last verified pass, ctime included: nothing was written to either
        since (ctime cannot be set back), so the final pass has nothing to send or set, and is
        not run. Verification still lists and compares both ends.
        """
        verified = self.cache.verified.get(f"{pair.role}/{i}")
        frozen = self.frozen_digests.get((pair.role, i))
        if verified is None or frozen != verified[0]:
            return False
        target = mf.observe(self.session(pair, Role.TARGET), pair.data[i].target, sudo=pair.target_sudo)
        return target == verified[1]

    def _dry_delta(self) -> tuple[int, int]:
        """Dry run: files and bytes a pass would send, from metadata alone (nothing is read)."""
        files = size = 0
        for pair, i in self._file_pairs():
            d = pair.data[i]
            src = mf.list_tree(self.session(pair, Role.SOURCE), d.source, sudo=pair.sudo)
            dst = mf.list_tree(self.session(pair, Role.TARGET), d.target, sudo=pair.target_sudo)
            self.result.copy.specials.update({f"{d.source}/{k}": v for k, v in mf.specials(src).items()})
            for rel, e in src.items():
                t = dst.get(rel)
                if e.kind == "f" and (
                    t is None or (t.size, t.mtime.split(".")[0]) != (e.size, e.mtime.split(".")[0])
                ):
                    files += 1
                    size += e.size
                elif t is None:
                    files += 1
        return files, size

    def _observe_sources(self) -> dict[tuple[str, int], str]:
        """Each data directory's source listing digest, now (all at once)."""
        keys = list(self._file_pairs())
        digests = parallel(
            [
                partial(mf.observe, self.session(p, Role.SOURCE), p.data[i].source, sudo=p.sudo)
                for p, i in keys
            ]
        )
        return {(p.role, i): d for (p, i), d in zip(keys, digests, strict=True)}

    def _hash_round(self, before_pass: dict[tuple[str, int], str]) -> dict[str, Any]:
        """Hash what changed on both ends since the last pass (the source may still be live).

        A directory whose last pass changed nothing on a source that did not change during the
        pass (its listing before the pass equals the one now) is recorded as verified equal
        while live, as the verify step records it: rsync compared every attribute and found
        none to set, and the SHA-256 of both ends are compared by verification at the latest.
        """
        hashed = size = 0
        for pair, i in self._file_pairs():
            d = pair.data[i]
            digests: dict[Role, str] = {}
            for role, root, sudo in (
                (Role.SOURCE, d.source, pair.sudo),
                (Role.TARGET, d.target, pair.target_sudo),
            ):
                listing, digests[role] = mf.list_tree_observed(self.session(pair, role), root, sudo=sudo)
                if role is Role.SOURCE:
                    self.cache.observe(f"{pair.role}/{i}/source", digests[role], time.time())
                _, n, b = self.cache.refresh(
                    f"{pair.role}/{i}/{role.value}", self.session(pair, role), root, listing, sudo=sudo
                )
                hashed, size = hashed + n, size + b
            key = (pair.role, i)
            if self.pass_items.get(key) == 0 and before_pass.get(key) == digests[Role.SOURCE]:
                self.cache.verified[f"{pair.role}/{i}"] = (digests[Role.SOURCE], digests[Role.TARGET])
            else:
                self.cache.verified.pop(f"{pair.role}/{i}", None)
        self.cache.save()
        self.result.copy.files_hashed += hashed
        self.result.copy.bytes_hashed += size
        return {"files_hashed": hashed, "bytes_hashed": size}

    def pre_seed(self) -> tuple[str, dict[str, Any]]:
        """Passes while live until the delta is small; then estimate the final pass."""
        if self.options.dry_run:
            files, size = self._dry_delta()
            return (Outcome.WOULD_RUN if files else Outcome.UNCHANGED), {
                "would_send": {"files": files, "bytes": size}
            }
        passes: list[dict[str, Any]] = []
        last = PassStats()
        if any(p.data for p in self.rb.pairs):
            confirmed = False
            before: dict[tuple[str, int], str] = {}
            for n in range(1, self.options.max_passes + 1):
                before = self._observe_sources()
                last = self._rsync_pass(live=True)
                passes.append({"pass": n, **vars(last)})
                if self.options.hooks.after_pass:
                    self.options.hooks.after_pass(self.rb.system, "*", n, last)
                if last.transferred_size <= self.options.small_delta_bytes:
                    # A small pass that still changed something is followed by one more, while
                    # live: when it finds nothing to do, and nothing changes until the freeze,
                    # the final pass inside the outage is not needed (_unchanged_since_verified).
                    if not last.items or confirmed:
                        break
                    confirmed = True
            passes[-1].update(self._hash_round(before))
        # Databases after the files: the replicas' live catch-up then ends just before the
        # freeze (the least to replay inside the outage), and the files' last listing, which
        # the freeze compares against, is older by the databases' seeding.
        for role, db in self.databases.items():
            passes.append({"database": role, **db.seed()})
        # The final pass moves about what the last live pass moved, at the rate it moved it.
        rate = last.transferred_size / last.seconds if last.seconds > 0 else 0
        transfer = last.seconds if not rate else last.transferred_size / rate
        estimate = round(
            transfer + last.transferred_size / HASH_RATE_ESTIMATE + self.options.settle_seconds, 3
        )
        self.result.estimated_final_seconds = estimate
        extra = {
            "passes": passes,
            "estimated_final_seconds": estimate,
            "downtime_hours": self.rb.downtime_hours,
        }
        if self.rb.downtime_hours is not None and estimate > self.rb.downtime_hours * 3600:
            if not self.options.allow_overrun:
                raise StepFailed(
                    f"the final pass is estimated at {estimate:.0f} s, beyond the system's downtime "
                    "window of "
                    f"{self.rb.downtime_hours} h: not freezing (run more pre-seed passes when the source is "
                    f"quieter, or override with --allow-overrun)"
                )
            extra["overrun_allowed"] = True
        return Outcome.DONE, extra

    def quiesce(self) -> dict[str, Any]:
        """The frozen source must have stopped changing: every data directory and database, at once.

        A data directory is quiescent when its listing (every entry's metadata, ctime included)
        is the same at two moments at least ``settle_seconds`` apart, the later one after the
        service was found stopped. The earlier moment may be the last listing of this tree (the
        last verified pass, or the pre-seed's last pass): if the tree is unchanged since then,
        nothing wrote to it for longer than the window and no wait is needed; otherwise the
        remainder of the window is waited and the tree listed again. A database is quiescent
        when no client but the controller's own is connected (polled, for at most the window),
        else when no write transaction started during the window.
        """
        settle = self.options.settle_seconds
        changed: list[str] = []
        evidence: dict[str, Any] = {}

        def files(p: HostPair, i: int) -> None:
            d, scope = p.data[i], f"{p.role}/{i}/source"
            session = self.session(p, Role.SOURCE)
            start = time.time()
            now_digest = mf.observe(session, d.source, sudo=p.sudo)
            seen = self.cache.observation(scope)
            since = seen[1] if seen and seen[0] == now_digest else time.time()
            waited = 0.0
            if start - since < settle:
                waited = max(0.0, since + settle - time.time())
                time.sleep(waited)
                if mf.observe(session, d.source, sudo=p.sudo) != now_digest:
                    changed.append(f"{d.source} changed within {settle:g}s")
                    return
            self.cache.observe(scope, now_digest, since)
            self.frozen_digests[(p.role, i)] = now_digest
            evidence[d.source] = {
                "unchanged_for_s": round(time.time() - since, 3),
                "waited_s": round(waited, 3),
            }

        def database(role: str) -> None:
            found = self.databases[role].quiescent(settle)
            if found is None:
                changed.append(f"database on {role} still receives writes")
            else:
                evidence[f"database {role}"] = found

        calls: list[Callable[[], None]] = [partial(files, p, i) for p, i in self._file_pairs()]
        parallel(calls + [partial(database, r) for r in self.databases])
        if changed:
            raise StepFailed(
                "the source still changes after freeze (is the service really stopped?): "
                + ", ".join(changed[:10])
            )
        return {"quiescent": evidence}

    def sync(self) -> tuple[str, dict[str, Any]]:
        if self.options.dry_run:
            files, size = self._dry_delta()
            extra: dict[str, Any] = {"would_send": {"files": files, "bytes": size}}
            if self.result.copy.specials:
                extra["specials"] = self.result.copy.specials
            return (Outcome.WOULD_RUN if files else Outcome.UNCHANGED), extra
        extra = {}
        # The final file pass and the databases' catch-up are independent: both at once.
        calls: list[Callable[[], Any]] = [db.catch_up_and_promote for db in self.databases.values()]
        if any(p.data for p in self.rb.pairs):
            calls.append(partial(self._rsync_pass, live=False))
        done = parallel(calls)
        if any(p.data for p in self.rb.pairs):
            extra["pass"] = vars(done[-1])
            if self.not_passed:
                extra["unchanged_since_verified"] = self.not_passed
        for role, promoted in zip(self.databases, done, strict=False):
            extra.setdefault("databases", {})[role] = promoted
        changed = self.result.copy.changed or bool(self.databases)
        return (Outcome.DONE if changed else Outcome.UNCHANGED), extra

    def verify(self) -> tuple[str, dict[str, Any]]:
        checksums: dict[str, dict[str, Any]] = {}
        bad: list[str] = []
        hashed = size = 0
        for p, i in self._file_pairs():
            d = p.data[i]
            src_s, dst_s = self.session(p, Role.SOURCE), self.session(p, Role.TARGET)
            calls: list[Callable[[], Any]] = [
                partial(mf.list_tree_observed, src_s, d.source, sudo=p.sudo),
                partial(mf.list_tree_observed, dst_s, d.target, sudo=p.target_sudo),
            ]
            # rsync's itemized dry run beside the listings (one wait), unless this run's final pass
            # over the frozen source itemized nothing: then rsync has just compared everything it
            # compares (content, owners, modes, times, ACLs, xattrs) and found it equal.
            dry = not self.options.dry_run and self.final_items.get((p.role, i)) != 0
            if dry:
                calls.append(partial(self.link(p).differences, d))
            (src, src_digest), (dst, dst_digest), *itemized = parallel(calls)
            listed_at = time.time()
            if self.options.dry_run:  # metadata only: nothing is read on a live source
                bad += [f"{d.target}/{b}" for b in mf.compare(src, {}, dst, {}) if "checksum" not in b]
                continue
            self.result.copy.specials.update({f"{d.source}/{k}": v for k, v in mf.specials(src).items()})
            (sh, n1, b1), (th, n2, b2) = parallel(
                [
                    partial(self.cache.refresh, f"{p.role}/{i}/source", src_s, d.source, src, sudo=p.sudo),
                    partial(
                        self.cache.refresh, f"{p.role}/{i}/target", dst_s, d.target, dst, sudo=p.target_sudo
                    ),
                ]
            )
            hashed, size = hashed + n1 + n2, size + b1 + b2
            problems = mf.compare(src, sh, dst, th)
            if not problems and itemized:
                problems = [f"{x} (metadata: ACL, xattr or times differ)" for x in itemized[0]]
            bad += [f"{d.target}/{b}" for b in problems]
            if not problems:
                self.cache.observe(f"{p.role}/{i}/source", src_digest, listed_at)
                self.cache.verified[f"{p.role}/{i}"] = (src_digest, dst_digest)
            else:
                self.cache.verified.pop(f"{p.role}/{i}", None)
            checksums[d.source] = {
                "source": mf.digest(src, sh),
                "target": mf.digest(dst, th),
                **mf.summary(src),
            }
        if not self.options.dry_run:
            self.cache.save()
            self.result.copy.files_hashed += hashed
            self.result.copy.bytes_hashed += size
        if bad:
            if not self.options.dry_run:
                raise VerificationFailed(
                    f"target differs from the source in {len(bad)} place(s): {'; '.join(bad[:10])}; "
                    "cut-over blocked",
                    bad,
                )
            return Outcome.WOULD_RUN, {"differences": bad[:50]}
        extra: dict[str, Any] = {"checksums": checksums, "files_hashed": hashed, "bytes_hashed": size}
        if self.result.copy.specials:
            # Reported, never skipped silently: the target refuses to create them inside a data root.
            extra["specials"] = self.result.copy.specials
            log.warning(
                "%s: special files NOT moved (recreate them on the target if the service needs them): %s",
                self.rb.system,
                self.result.copy.specials,
            )
        return Outcome.UNCHANGED, extra

    def verify_databases(self) -> dict[str, Any]:
        """After start: every table of source and target agree (rows and checksum); then the
        source servers stop. A difference fails the step, so the system is rolled back."""
        tables: dict[str, Any] = {}
        bad: list[str] = []
        for role, db in self.databases.items():
            report = db.verify_tables()
            tables[role] = report["tables"]
            bad += [f"{role}: {m}" for m in report["mismatched"]]
        if bad:
            raise VerificationFailed(
                f"database tables differ after start in {len(bad)} place(s): {'; '.join(bad[:10])}", bad
            )
        for db in self.databases.values():
            db.finish()
        return {"tables": tables}

    # ------------------------------------------------------------------ rollback

    def rollback(self, reason: str) -> str:
        """Put the source back into service; the target keeps its verified copy (nothing removed)."""
        step, start, errors = self.rb.rollback, now(), []
        for role, db in self.databases.items():
            try:
                db.rollback()
            except PlaybookError as exc:
                errors.append(f"{role}: {exc}")
        for c in step.action:
            try:
                res = self.session(c.pair, c.host).run(c.run, sudo=c.sudo, env=self.rendered.env)
                if not res.ok:
                    errors.append(f"{c.pair}/{c.host.value}: exit {res.exit_status}: {c.run}")
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
                "host": ",".join(self.host_label(p, r) for p in self.rb.pairs for r in Role),
                "start": start,
                "end": now(),
                "outcome": outcome,
                "reason": reason,
                "commands": [f"{c.pair}/{c.host.value}: {c.run}" for c in step.action],
                "error": detail or None,
            },
            logging.WARNING,
        )
        self.result.steps.append(StepResult(StepName.ROLLBACK.value, outcome, detail))
        return RunOutcome.ROLLED_BACK if checked else RunOutcome.ROLLBACK_FAILED

    def close_links(self) -> None:
        for link in self.links.values():
            link.close()
        self.links.clear()

    def close(self) -> None:
        self.close_links()
        for s in self.sessions.values():
            s.close()


STEP_MARKERS = {o: f"govcloud-step: {o}" for o in (Outcome.UNCHANGED, Outcome.DONE, Outcome.FAILED)}


def step_script(checks: list[str], actions: list[str]) -> str:
    """One host's check / action / check as one script; its last stdout line says what happened."""

    def all_pass() -> str:
        return " && ".join(f"( {c}\n) >/dev/null" for c in checks) or "false"

    lines = [f"if {all_pass()}; then echo {shlex.quote(STEP_MARKERS[Outcome.UNCHANGED])}; exit 0; fi"]
    lines += [
        f"( {a}\n) || {{ rc=$?; echo 'action failed:' {shlex.quote(a)} >&2; exit $rc; }}" for a in actions
    ]
    if checks:
        lines.append(
            f"if ! {{ {all_pass()}; }}; then echo {shlex.quote(STEP_MARKERS[Outcome.FAILED])}; exit 1; fi"
        )
    lines.append(f"echo {shlex.quote(STEP_MARKERS[Outcome.DONE])}")
    return "\n".join(lines)


def _consecutive(commands: list[HostCommand]) -> list[tuple[tuple[str, Role, bool], list[str]]]:
    """Runs of consecutive commands on one host (with one sudo setting), in order."""
    out: list[tuple[tuple[str, Role, bool], list[str]]] = []
    for c in commands:
        key = (c.pair, c.host, c.sudo)
        if out and out[-1][0] == key:
            out[-1][1].append(c.run)
        else:
            out.append((key, [c.run]))
    return out


T = TypeVar("T")


def parallel(calls: list[Callable[[], T]]) -> list[T]:
    """Run independent remote operations at once (each host's round trip overlaps the others');
    results in order, the first failure re-raised."""
    if len(calls) <= 1:
        return [c() for c in calls]
    with ThreadPoolExecutor(max_workers=min(8, len(calls)), thread_name_prefix="step") as pool:
        futures = [pool.submit(c) for c in calls]
        return [f.result() for f in futures]


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


class RollbackRefused(PlaybookError):
    """The system was finalised: its source may be gone or stale; rollback needs --force."""


def rollback_runbook(rendered: RenderedRunbook, options: RunOptions, reason: str = "requested") -> RunResult:
    """Explicit rollback: restart the source, keep the target's verified copy.

    After finalisation it is refused unless ``options.force``: by then users write to the
    target and the source's data is stale.
    """
    run = SystemRun(rendered, options)
    try:
        if run.state.finalised and not options.force:
            raise RollbackRefused(
                f"{run.rb.system}: finalised on {run.state.finalised_at}; rolling back now would put stale "
                f"source data back into service - refused (use --force if you really mean it)"
            )
        run.emit({"event": "run-start", "rollback": True, "forced": options.force})
        run.result.outcome = run.rollback(reason)
        run.emit({"event": "run-end", "outcome": run.result.outcome})
        return run.result
    except PlaybookError as exc:
        run.result.error = run.scrub(str(exc))
        return run.result
    finally:
        run.close()


def finalise_runbook(rendered: RenderedRunbook, options: RunOptions) -> RunResult:
    """Declare a cut-over final (the acceptance period is over): rollback is refused from now on."""
    run = SystemRun(rendered, options)
    if not run.state.complete:
        run.result.error = (
            f"{run.rb.system}: not cut over yet (last outcome: {run.state.last_outcome}); nothing to finalise"
        )
        return run.result
    if not run.state.finalised:
        run.emit({"event": "finalised"})
    run.result.outcome = RunOutcome.COMPLETE
    return run.result


def run_wave(runbooks: list[RenderedRunbook], options: RunOptions, workers: int = 4) -> list[RunResult]:
    """Run many systems at once on at most *workers* threads; one failure never stops the others.

    With a ledger, every worker of every controller sharing the wave takes the next free system
    from the progress database (``MigrationLedger.claim_next``) until none is left, so several
    controller machines spread one wave between them. A system another controller runs is
    reported ``locked``; one it finished during this run is reported with its outcome, not
    run again.
    """
    ledger = options.ledger
    n = max(1, workers)
    if ledger is None or options.dry_run:
        with ThreadPoolExecutor(max_workers=n, thread_name_prefix="runbook") as pool:
            return list(pool.map(lambda r: run_runbook(r, options), runbooks))
    by_id = {r.runbook.system: r for r in runbooks}
    order = list(by_id)
    since = datetime.now(UTC).replace(tzinfo=None)  # the ledger's clock: naive UTC
    results: dict[str, RunResult] = {}

    def worker() -> None:
        while (sid := ledger.claim_next(order, options.controller, since)) is not None:
            try:
                results[sid] = run_runbook(by_id[sid], options)
            finally:
                ledger.release(sid, options.controller)  # a no-op once the run released it

    with ThreadPoolExecutor(max_workers=n, thread_name_prefix="runbook") as pool:
        for f in [pool.submit(worker) for _ in range(n)]:
            f.result()
    for sid in order:
        if sid not in results:
            results[sid] = _run_elsewhere(sid, ledger)
    return [results[sid] for sid in order]


def _run_elsewhere(system: str, ledger: MigrationLedger) -> RunResult:
    """The result of a system another controller of the wave ran or runs (nothing touched here)."""
    holder = ledger.holder(system)
    outcome, by = ledger.last_outcome(system)
    if holder or not outcome:
        return RunResult(system, LOCKED, error=f"{system}: being run by controller {holder or 'another'}")
    return RunResult(
        system,
        outcome,
        error=None if outcome == RunOutcome.COMPLETE else f"{system}: {outcome} on controller {by}",
    )


SUMMARY_COLUMNS = ("system", "outcome", "failed step", "passes", "files sent", "MB sent", "outage s", "error")


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
                str(r.copy.passes),
                str(r.copy.files_sent),
                f"{r.copy.bytes_sent / 1e6:.1f}",
                "" if r.outage_seconds is None else f"{r.outage_seconds:.1f}",
                (r.error or "")[:200],
            )
        )
    return rows
