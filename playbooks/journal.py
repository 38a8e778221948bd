"""Append-only JSON-lines journal per system: what ran where, when, with which outcome and checksums.

Every line is written with O_APPEND and fsync'd before the runner moves on, so a crash loses at
most the line being written (a torn last line is ignored when reading). The one exception is
"file verified" records of a copy: their fsync is batched (every FSYNC_BATCH records or
FSYNC_SECONDS, and before any other record), because losing one only makes a resume re-send and
re-verify that file; a record that claims more than happened can never result. Lines pass
through the runbook's Redactor here, the one place records leave the process.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playbooks.redact import Redactor

FSYNC_BATCH = 64  # "file verified" records written before an fsync is forced
FSYNC_SECONDS = 1.0  # ... or this long after the first unsynced one


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

    verified: dict[str, str] = field(default_factory=dict)  # "dir-index:relpath" -> sha256
    complete: bool = False  # a run finished cut-over and post-check (and nothing rolled back since)
    last_outcome: str | None = None
    runs: int = 0


class Journal:
    """One system's journal file."""

    def __init__(self, path: str | os.PathLike[str], redactor: Redactor | None = None) -> None:
        self.path = Path(path)
        self.redactor = redactor or Redactor()
        self._lock = threading.Lock()  # the copy journals verified files from its commit thread
        self._unsynced = 0
        self._first_unsynced = 0.0

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        """Redact, append and fsync one record (see the module docstring for batched ones)."""
        clean = self.redactor.scrub_obj({"ts": now(), **record})
        line = (json.dumps(clean, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")
        deferrable = record.get("event") == "file" and record.get("outcome") == "verified"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                os.write(fd, line)
                if deferrable:
                    self._unsynced += 1
                    self._first_unsynced = self._first_unsynced or time.monotonic()
                if (
                    not deferrable
                    or self._unsynced >= FSYNC_BATCH
                    or time.monotonic() - self._first_unsynced >= FSYNC_SECONDS
                ):
                    os.fsync(fd)  # makes every earlier line durable too
                    self._unsynced, self._first_unsynced = 0, 0.0
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
        """Fold the records into what a new run continues from; a rollback forgets earlier copies."""
        st = JournalState()
        for rec in self.records():
            event = rec.get("event")
            if event == "run-start" and not rec.get("dry_run"):
                st.runs += 1
            elif event == "file" and rec.get("outcome") == "verified":
                st.verified[f"{rec['dir']}:{rec['path']}"] = rec["sha256"]
            elif event == "file" and rec.get("outcome") in ("mismatch", "resend"):
                st.verified.pop(f"{rec['dir']}:{rec['path']}", None)
            elif event == "step" and rec.get("step") == "rollback" and rec.get("outcome") == "done":
                st.verified.clear()
                st.complete = False
            elif event == "run-end":
                st.last_outcome = rec.get("outcome")
                if rec.get("outcome") == RunOutcome.COMPLETE:
                    st.complete = True
        return st
