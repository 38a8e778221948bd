"""A controller process for the lock tests: takes a system's lock, says so, then waits to be killed.

Usage: python -m tests.playbooks.lock_holder DB_URL SYSTEM HOLDER
Prints "held" (or "taken by X") on stdout; the password of a PostgreSQL URL comes from PGPASSWORD.
"""

from __future__ import annotations

import sys
import time

from reporting.progress_db import MigrationLedger


def main(url: str, system: str, holder: str) -> None:
    ledger = MigrationLedger(url)
    other = ledger.acquire(system, holder)
    step = ledger.step_started(system, "run-x", "sync", holder) if other is None else None
    print("held" if other is None else f"taken by {other}", flush=True)
    if step is not None:
        time.sleep(3600)  # until the test kills us, mid-step


if __name__ == "__main__":
    main(*sys.argv[1:4])
