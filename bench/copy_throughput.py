"""Data movement on loopback, side by side in one run: govcloud's rsync runbook vs plain tools.

    python -m bench.copy_throughput [--mb 1024] [--keep]

Starts two private sshd instances (source, target) on loopback, writes a tree of --mb MiB on
the source (large files plus many small ones), then in one run:

* govcloud: a cold runbook (rsync -aHAX --numeric-ids --sparse source -> target directly over
  a per-run key, then SHA-256 manifests of both ends compared);
* rsync -a: plain rsync over ssh from the source directory to the target, the same path, with
  OpenSSH's default cipher and (to show what the cipher choice is worth) with the AES-GCM
  cipher the runbook's link prefers;
* scp -3: OpenSSH's scp from the source host to the target host through this machine;
* unchanged re-run: rollback (the target keeps its copy), then the whole runbook again:
  nothing is sent and nothing is re-hashed;
* 1-byte change: rollback, flip one byte in a 64 MiB file, run again: rsync sends a block.

Targets (issue 15): govcloud's transfer >= 0.9 x rsync's throughput; unchanged re-run <= 0.1 x
the first run; a 1-byte change sends <= 1 % of the file.
Writes bench/results/copy_throughput.{md,json}.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Table, command_line, write_results
from bench.playbook_hosts import file_service, inventory_and_plan, journal_records, start_hosts, step_seconds
from inventory.models import Host
from playbooks.model import SystemTarget
from playbooks.render import render_runbook
from playbooks.runner import RunOptions, rollback_runbook, run_runbook

MB = 1 << 20
BIG_FILE_MB = 64


def make_data(root: Path, total_mb: int) -> tuple[int, int]:
    """Large files (90 % of the bytes, 64 MiB each) and 64 KiB files (10 %); returns (files, bytes)."""
    big_mb, small = total_mb * 9 // 10, (total_mb - total_mb * 9 // 10) * 16
    files = total = 0
    block = os.urandom(MB)
    for i in range(max(1, big_mb // BIG_FILE_MB)):
        p = root / "big" / f"part-{i:03d}.bin"
        p.parent.mkdir(parents=True, exist_ok=True)
        size = min(BIG_FILE_MB, max(1, big_mb - i * BIG_FILE_MB))
        with p.open("wb") as fh:
            for j in range(size):
                fh.write(hashlib.sha256(f"{i}:{j}".encode()).digest() + block[32:])  # every MiB differs
        files, total = files + 1, total + size * MB
    for i in range(small):
        p = root / "small" / f"{i // 256:02d}" / f"文件-{i:05d}.dat"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(os.urandom(64 * 1024))
        files, total = files + 1, total + 64 * 1024
    return files, total


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--mb", type=int, default=1024, help="size of the tree in MiB (default 1024)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args(argv)
    load_at_start = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="govcloud-bench-copy-"))
    hosts = start_hosts(work)
    try:
        src, tgt = hosts.source, hosts.target
        data = src.root / "app" / "data"
        n_files, n_bytes = make_data(data, args.mb)
        subprocess.run(["sync"], check=False)
        mib = n_bytes / MB
        print(f"tree: {n_files} files, {mib:.0f} MiB", flush=True)

        state = src.root / "app" / "service.state"
        state.write_text("running\n")
        root, link = tgt.root / "govcloud", tgt.root / "current"
        inv, plan = inventory_and_plan(
            "bench-sys", [Host(address=src.address, port=src.port, user=src.user, data_dirs=[str(data)])]
        )
        target = SystemTarget(
            target=Host(address=tgt.address, port=tgt.port, user=tgt.user, role="target"),
            data_root=str(root),
            authorized_keys=str(tgt.authorized_keys),
            service=file_service(state, root, link),
        )
        rendered = render_runbook("bench-sys", plan, inv, {"bench-sys": target})
        options = RunOptions(hosts.connector(), work / "journal")
        journal = work / "journal" / "bench-sys.jsonl"

        t0 = time.perf_counter()
        first = run_runbook(rendered, options)
        first_total = time.perf_counter() - t0
        if first.outcome != "complete":  # pragma: no cover - reported, not hidden
            print(f"govcloud run failed: {first.error}", file=sys.stderr)
            return 1
        first_steps = step_seconds(journal)
        t0 = time.perf_counter()
        done = run_runbook(rendered, options)  # a system already cut over: reported done, untouched
        done_total = time.perf_counter() - t0
        assert done.outcome == "complete"

        # Plain rsync -a over ssh, source dir -> target, the same direct path.
        dest = tgt.root / "rsync-a"
        ssh = " ".join(["ssh", "-p", str(tgt.port), *hosts.ssh_opts()])
        t0 = time.perf_counter()
        subprocess.run(
            ["rsync", "-a", "-e", ssh, f"{data}/", f"{tgt.user}@{tgt.address}:{dest}/"], check=True
        )
        rsync_a = time.perf_counter() - t0
        shutil.rmtree(dest)
        t0 = time.perf_counter()
        subprocess.run(
            [
                "rsync",
                "-a",
                "-e",
                f"{ssh} -c aes128-gcm@openssh.com",
                f"{data}/",
                f"{tgt.user}@{tgt.address}:{dest}/",
            ],
            check=True,
        )
        rsync_gcm = time.perf_counter() - t0
        shutil.rmtree(dest)

        dest3 = tgt.root / "scp3"
        t0 = time.perf_counter()
        subprocess.run(
            [
                "scp",
                "-3",
                "-q",
                "-r",
                *hosts.ssh_opts(),
                f"scp://{src.user}@{src.address}:{src.port}/{data}",
                f"scp://{tgt.user}@{tgt.address}:{tgt.port}/{dest3}",
            ],
            check=True,
        )
        scp3 = time.perf_counter() - t0
        shutil.rmtree(dest3)

        # Unchanged re-run: the verified copy is kept by rollback; the retry finds nothing to do.
        rollback_runbook(rendered, options)
        t0 = time.perf_counter()
        again = run_runbook(rendered, options)
        again_total = time.perf_counter() - t0
        again_steps = step_seconds(journal)
        freeze = next(r for r in journal_records(journal) if r.get("step") == "freeze")

        # One byte changed in the middle of a 64 MiB file.
        big = sorted((data / "big").iterdir())[0]
        size = big.stat().st_size
        with big.open("r+b") as fh:
            fh.seek(size // 2)
            b = fh.read(1)
            fh.seek(size // 2)
            fh.write(bytes([b[0] ^ 0xFF]))
        rollback_runbook(rendered, options)
        t0 = time.perf_counter()
        one = run_runbook(rendered, options)
        one_total = time.perf_counter() - t0

        sync_s = first_steps["sync"]
        steps_text = ", ".join(f"{k} {v:.3f}s" for k, v in again_steps.items())
        first_text = ", ".join(f"{k} {v:.2f}s" for k, v in first_steps.items())
        waited = sum(
            e.get("waited_s", 0) for e in freeze.get("quiescent", {}).values() if isinstance(e, dict)
        )
        table = Table(
            f"Moving a {mib:.0f} MiB tree ({n_files} files) source -> target on loopback",
            ["arm", "seconds", "MiB/s", "vs rsync -a"],
            [
                [
                    "govcloud runbook: rsync step (-aHAX --numeric-ids, AES-GCM, key at pre-check)",
                    sync_s,
                    mib / sync_s,
                    rsync_a / sync_s,
                ],
                [
                    "govcloud runbook: verify step (SHA-256 of both ends, first pass)",
                    first_steps["verify"],
                    None,
                    None,
                ],
                [
                    "govcloud runbook: whole cold run (freeze .. post-check)",
                    first_total,
                    mib / first_total,
                    rsync_a / first_total,
                ],
                ["rsync -a over ssh, default cipher (no verification)", rsync_a, mib / rsync_a, 1.0],
                [
                    "rsync -a over ssh -c aes128-gcm@openssh.com (no verification)",
                    rsync_gcm,
                    mib / rsync_gcm,
                    rsync_a / rsync_gcm,
                ],
                ["scp -3 via the controller (no verification)", scp3, mib / scp3, rsync_a / scp3],
            ],
            note="'vs rsync -a' is throughput relative to plain rsync of the same tree "
            "(target >= 0.9 for the rsync step).",
        )
        rerun = Table(
            "Re-runs (after a rollback, which keeps the verified copy)",
            [
                "case",
                "seconds",
                "x first run",
                "rsync passes",
                "files sent",
                "literal bytes",
                "files re-hashed",
            ],
            [
                [
                    "system already cut over (reported done, no host contacted)",
                    done_total,
                    done_total / first_total,
                    0,
                    0,
                    0,
                    0,
                ],
                [
                    "unchanged tree, retried after a rollback (whole runbook)",
                    again_total,
                    again_total / first_total,
                    again.copy.passes,
                    again.copy.files_sent,
                    again.copy.bytes_literal,
                    again.copy.files_hashed,
                ],
                [
                    f"1 byte changed in a {size // MB} MiB file",
                    one_total,
                    one_total / first_total,
                    one.copy.passes,
                    one.copy.files_sent,
                    one.copy.bytes_literal,
                    one.copy.files_hashed,
                ],
            ],
            note=f"1-byte change: {one.copy.bytes_literal} literal bytes = "
            f"{100 * one.copy.bytes_literal / size:.3f} % "
            f"of the file (target <= 1 %); {one.copy.bytes_sent} bytes on the wire for the whole tree. "
            f"Unchanged retry: {again_total / first_total:.3f} x the first run (target <= 0.1); its steps: "
            f"{steps_text} (quiescence waited {waited:.2f}s); the first run's steps: {first_text}.",
        )
        write_results(
            "copy_throughput",
            "Playbooks: rsync data mover vs rsync -a and scp -3 (one run)",
            [table, rerun],
            command=command_line("bench.copy_throughput", argv),
            data={
                "bytes": n_bytes,
                "files": n_files,
                "first": vars(first.copy) | {"specials": None},
                "again": vars(again.copy) | {"specials": None},
                "one_byte": vars(one.copy) | {"specials": None},
            },
            notes=[
                "One run each, same tree, same two private sshd instances on a shared 2-core machine: treat "
                "differences under ~20 % as noise and compare arms of the same run only. Load average at the "
                f"start: {' '.join(f'{x:.2f}' for x in load_at_start)}, at the "
                f"end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}.",
                "The runbook is rendered without a bandwidth limit (`--bwlimit-mbps 0`); `govcloud playbook "
                "run` holds rsync to the policy's cutover.bandwidth_mbps (400 Mb/s by default).",
            ],
        )
        print(table.markdown())
        print(rerun.markdown())
        return 0
    finally:
        hosts.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
