"""Copy throughput on loopback (issue 5): our verified SFTP copy vs plain `scp` of the same files.

    python -m bench.copy_throughput [--mb 1024] [--keep]

Starts two private sshd instances (source, target) on loopback, writes a data set of --mb
megabytes on the source (large files plus many small ones), then in one run:

* govcloud: the runbook's copy + verify steps (a tar stream over an exec channel from the
  source -> this machine -> pipelined SFTP writes to the target; SHA-256 on the source, while
  streaming and on the target, temporary names, rename after verification, journal with
  batched fsync of "verified" records, then a full re-hash of the target);
* scp -3: OpenSSH's scp from the source host to the target host through this machine, the same
  path our copy takes (no verification);
* scp: OpenSSH's scp from a local directory straight to the target (one hop fewer).

Writes bench/results/copy_throughput.{md,json}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from foundation.atomic import atomic_write_text
from inventory.models import Cloud, CloudDomain, CloudDomains, Host, Inventory, System
from planner.plan_model import InventoryRef, Plan, PlanSystem, PolicyRef
from playbooks.localsshd import LocalSSHD, SSHDUnavailable, keygen
from playbooks.model import ServiceCommands, SystemTarget
from playbooks.render import render_runbook
from playbooks.runner import RunOptions, run_runbook
from playbooks.ssh import Connector, Credentials, Timeouts

RESULTS = Path(__file__).resolve().parent / "results"
MB = 1 << 20


def make_data(root: Path, total_mb: int) -> tuple[int, int]:
    """Large files (90 % of the bytes) and 64 KiB files (10 %); returns (files, bytes)."""
    big_mb, small = total_mb * 9 // 10, (total_mb - total_mb * 9 // 10) * 16
    files = total = 0
    block = os.urandom(MB)
    for i in range(max(1, big_mb // 64)):
        p = root / "big" / f"part-{i:03d}.bin"
        p.parent.mkdir(parents=True, exist_ok=True)
        size = min(64, big_mb - i * 64)
        with p.open("wb") as fh:
            for j in range(size):
                fh.write(hashlib.sha256(f"{i}:{j}".encode()).digest() + block[32:])  # every MB differs
        files, total = files + 1, total + size * MB
    for i in range(small):
        p = root / "small" / f"{i // 256:02d}" / f"文件-{i:05d}.dat"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(os.urandom(64 * 1024))
        files, total = files + 1, total + 64 * 1024
    return files, total


def build_inventory_and_plan(systems: list[tuple[str, Host]]) -> tuple[Inventory, Plan]:
    """A one-wave inventory and plan of *systems* migrating (what the runbook renders from)."""
    dom = CloudDomain(vcpu=1, ram_gb=1, storage_gb=1)
    inv = Inventory.model_validate(
        {
            "city": {"id": "bench", "name": "bench"},
            "cloud": Cloud(domains=CloudDomains(public_service=dom, administrative_service=dom)).model_dump(),
            "systems": [
                System.model_validate(
                    {
                        "id": sid,
                        "name": sid,
                        "department": "d",
                        "category": "business",
                        "hosts": [h.model_dump()],
                    }
                ).model_dump()
                for sid, h in systems
            ],
        }
    )
    plan = Plan(
        inventory=InventoryRef(city="bench", systems=len(systems), digest="-"),
        policy=PolicyRef(name="bench", digest="-"),
        systems=[
            PlanSystem.model_validate({"id": sid, "department": "d", "disposition": "migrate", "wave": 1})
            for sid, _ in systems
        ],
    )
    return inv, plan


def ssh_opts(key: Path, known_hosts: Path) -> list[str]:
    return [
        "-i",
        str(key),
        "-o",
        f"UserKnownHostsFile={known_hosts}",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        "IdentitiesOnly=yes",
    ]


def _previous_results() -> dict[str, Any] | None:
    """The last run's headline numbers (before this run overwrites them), for a before/after view."""
    try:
        old = json.loads((RESULTS / "copy_throughput.json").read_text(encoding="utf-8"))
        return {k: old[k] for k in ("date", "command", "results")}
    except (OSError, ValueError, KeyError):
        return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=1024, help="size of the data set in MiB (default 1024)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="govcloud-bench-copy-"))
    hosts = {n: LocalSSHD(n, work / n) for n in ("source", "target")}
    try:
        key = keygen(work / "client" / "id_ed25519")
        for h in hosts.values():
            h.base.mkdir(parents=True)
            h.authorized_keys.write_text("")
            h.authorize(key.with_suffix(".pub"))
            h.start()
        known_hosts = work / "known_hosts"
        known_hosts.write_text("".join(h.known_hosts_line() for h in hosts.values()))
        src, tgt = hosts["source"], hosts["target"]
        data = src.root / "app" / "data"
        t0 = time.perf_counter()
        n_files, n_bytes = make_data(data, args.mb)
        print(
            f"data set: {n_files} files, {n_bytes / MB:.0f} MiB in {time.perf_counter() - t0:.1f}s",
            flush=True,
        )
        subprocess.run(["sync"], check=False)

        # --- govcloud: a real runbook (freeze/cut-over are file-based here)
        state = src.root / "app" / "service.state"
        state.write_text("running\n")
        host = Host(address=src.address, port=src.port, user=src.user, data_dirs=[str(data)])
        inv, plan = build_inventory_and_plan([("bench-sys", host)])
        root = tgt.root / "govcloud"
        target = SystemTarget(
            target=Host(address=tgt.address, port=tgt.port, user=tgt.user, role="target"),
            data_root=str(root),
            current_link=str(tgt.root / "current"),
            service=ServiceCommands(
                is_frozen=f"grep -qx stopped {state}",
                stop=f"echo stopped > {state}",
                start=f"echo running > {state}",
                target_is_serving=f"test -L {tgt.root}/current",
                target_start=f"ln -sfn {root} {tgt.root}/current",
                target_stop="true",
                target_health=f"test -L {tgt.root}/current",
            ),
        )
        rendered = render_runbook("bench-sys", plan, inv, {"bench-sys": target})
        connector = Connector(
            Credentials(str(key), allow_agent=False), Timeouts(command=3600), known_hosts=str(known_hosts)
        )
        t0 = time.perf_counter()
        result = run_runbook(rendered, RunOptions(connector, work / "journal"))
        ours_total = time.perf_counter() - t0
        if result.outcome != "complete":
            print(f"govcloud run failed: {result.error}", file=sys.stderr)
            return 1
        steps = {
            r["step"]: r
            for r in map(json.loads, (work / "journal" / "bench-sys.jsonl").read_text().splitlines())
            if r.get("event") == "step"
        }

        def secs(step: str) -> float:
            s = steps[step]
            return (
                dt.datetime.fromisoformat(s["end"]) - dt.datetime.fromisoformat(s["start"])
            ).total_seconds()

        ours_copy, ours_verify = secs("copy"), secs("verify")
        shutil.rmtree(root)

        # --- scp -3 source -> target through this machine (same path as ours)
        dest3 = tgt.root / "scp3"
        t0 = time.perf_counter()
        subprocess.run(
            [
                "scp",
                "-3",
                "-q",
                "-r",
                *ssh_opts(key, known_hosts),
                f"scp://{src.user}@{src.address}:{src.port}/{data}",
                f"scp://{tgt.user}@{tgt.address}:{tgt.port}/{dest3}",
            ],
            check=True,
        )
        scp3 = time.perf_counter() - t0
        shutil.rmtree(dest3)

        # --- scp local -> target (one hop)
        dest = tgt.root / "scp"
        t0 = time.perf_counter()
        subprocess.run(
            [
                "scp",
                "-q",
                "-r",
                "-P",
                str(tgt.port),
                *ssh_opts(key, known_hosts),
                str(data),
                f"{tgt.user}@{tgt.address}:{dest}",
            ],
            check=True,
        )
        scp1 = time.perf_counter() - t0
        shutil.rmtree(dest)

        mib = n_bytes / MB
        rows = [
            ("govcloud copy + verify (via controller, SHA-256 x3, journal)", ours_copy + ours_verify),
            ("govcloud copy step only", ours_copy),
            ("govcloud whole runbook (incl. freeze/cut-over/post-check)", ours_total),
            ("scp -3 source -> target via controller (no verification)", scp3),
            ("scp local dir -> target (one hop, no verification)", scp1),
        ]
        data_out: dict[str, Any] = {
            "benchmark": "copy_throughput",
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": {
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "ssh": subprocess.run(["ssh", "-V"], capture_output=True, text=True).stderr.strip(),
            },
            "files": n_files,
            "bytes": n_bytes,
            "results": [
                {"method": m, "seconds": round(s, 2), "mib_per_s": round(mib / s, 1)} for m, s in rows
            ],
            "copy_stats": vars(result.copy),
            "command": "python -m bench.copy_throughput " + " ".join(argv or sys.argv[1:]),
        }
        md = [
            f"# Copy throughput on loopback ({n_files} files, {mib:.0f} MiB)",
            "",
            f"Command: `{data_out['command'].strip()}` — {data_out['date']}, {os.cpu_count()} CPUs, "
            f"{data_out['machine']['ssh']}, paramiko SFTP",
            "",
            "| method | seconds | MiB/s |",
            "|---|---:|---:|",
        ]
        md += [f"| {r['method']} | {r['seconds']} | {r['mib_per_s']} |" for r in data_out["results"]]
        previous = _previous_results()
        if previous:
            data_out["previous"] = previous
            md += [
                "",
                f"Previous run ({previous['date']}, `{previous['command']}`): "
                + "; ".join(f"{r['method']}: {r['mib_per_s']} MiB/s" for r in previous["results"][:1])
                + "; "
                + "; ".join(f"{r['method']}: {r['mib_per_s']} MiB/s" for r in previous["results"][3:4]),
            ]
        md += [
            "",
            "One run each, same files, same two private sshd instances; the machine is shared, so "
            "treat differences under ~20 % as noise. Compare govcloud with scp of the same run.",
        ]
        RESULTS.mkdir(parents=True, exist_ok=True)
        atomic_write_text(
            RESULTS / "copy_throughput.json", json.dumps(data_out, indent=2, ensure_ascii=False) + "\n"
        )
        atomic_write_text(RESULTS / "copy_throughput.md", "\n".join(md) + "\n")
        print("\n".join(md))
        return 0
    except SSHDUnavailable as exc:
        print(f"cannot run: {exc}", file=sys.stderr)
        return 2
    finally:
        for h in hosts.values():
            h.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
