"""Append-only JSON-lines journal per system: what ran where, when, with which outcome and checksums.

Every line is written with O_APPEND and fsync'd before the runner moves on, so a crash loses at
most the line being written (a torn last line is ignored when reading). Lines pass through the
runbook's Redactor here, the one place records leave the process. What was verified lives in
the hash cache beside the journal (playbooks.manifest.HashCache), keyed by file metadata, so
the journal only needs to say how far a system got: cut over, finalised, rolled back.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playbooks.redact import Redactor


def now() -> str:
    """UTC timestamp with milliseconds, as the journal writes it."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class RunOutcome:
    """Values of `outcome` on a run-end record."""

    COMPLETE = "complete"
    FAILED = "failed"
    ROLLED_BACK = "rolled-back"
    ROLLBACK_FAILED = "rollback-failed"
    INTERRUPTED = "interrupted"


@dataclass
class JournalState:
    """What earlier runs established, as far as a new run may rely on it."""

    complete: bool = False  # a run finished cut-over and post-check (and nothing rolled back since)
    finalised: bool = False  # the operator declared the cut-over final: rollback is refused
    finalised_at: str | None = None
    last_outcome: str | None = None
    runs: int = 0


class Journal:
    """One system's journal file."""

    def __init__(self, path: str | os.PathLike[str], redactor: Redactor | None = None) -> None:
        self.path = Path(path)
        self.redactor = redactor or Redactor()
        self._lock = threading.Lock()

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        """Redact, append and fsync one record."""
        clean = self.redactor.scrub_obj({"ts": now(), **record})
        line = (json.dumps(clean, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
        return clean

    def records(self) -> Iterator[dict[str, Any]]:
        """Every complete record, oldest first (a torn final line from a crash is skipped)."""
        if not self.path.exists():
            return
        with self.path.open("rb") as fh:
            for raw in fh:
                if not raw.endswith(b"\n"):
                    break
                try:
                    yield json.loads(raw)
                except json.JSONDecodeError:
                    continue

    def state(self) -> JournalState:
        """Fold the records into what a new run continues from."""
        st = JournalState()
        for rec in self.records():
            event = rec.get("event")
            if event == "run-start" and not rec.get("dry_run"):
                st.runs += 1
            elif event == "step" and rec.get("step") == "rollback" and rec.get("outcome") == "done":
                st.complete = False  # back on the source; the target's copy is kept for a retry
            elif event == "finalised":
                st.finalised, st.finalised_at = True, rec.get("ts")
            elif event == "run-end":
                st.last_outcome = rec.get("outcome")
                if rec.get("outcome") == RunOutcome.COMPLETE:
                    st.complete = True
        return st
