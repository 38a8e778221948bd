"""Warm against cold outage for a PostgreSQL database under write load, side by side in one run.

    python -m bench.db_outage [--gb 2] [--keep]

A real PostgreSQL cluster (tests/services/servers.py) of --gb GiB on the source host, two
private sshd hosts on loopback, and an application writer inserting rows without pause until
the application is frozen. Runbooks of the same system, each from scratch:

* cold: freeze, then the whole database is copied (pg_basebackup) and started on the target;
* warm (method ``database``): a streaming replica is seeded while the writer runs; at freeze the
  replica only catches up to the source's last WAL position and is promoted.

Both at the bandwidth the runbook takes from the policy (CUT-1's ``cutover.bandwidth_mbps``,
as `govcloud playbook run` does: rsync --bwlimit, pg_basebackup --max-rate) and without any
limit (loopback's own speed, what ``--bwlimit-mbps 0`` gives).

The outage is what the runner journals: freeze until the target serves (cut-over and smoke test
passed). The per-table verification after start is reported separately. Target (issue 15):
warm <= 10 % of cold. Writes bench/results/db_outage.{md,json}.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.common import Table, command_line, write_results
from bench.playbook_hosts import file_service, inventory_and_plan, journal_records, start_hosts, step_seconds
from inventory.models import Host
from planner.policy import load_policy
from playbooks.localdb import PostgresServer, _private_dir, free_port
from playbooks.model import DatabaseSpec, PairTarget, ServiceCommands, SystemTarget
from playbooks.render import render_runbook
from playbooks.runner import RunOptions, RunResult, run_runbook

PW_ENV = "DB_SECRET"
ROW_BYTES = 1000


class Writer:
    """The application: inserts rows through one psql session, as fast as it can, until it is
    stopped; then, as a stopped service does, it closes its session and exits (``alive`` goes)."""

    def __init__(self, pg: PostgresServer, state: Path) -> None:
        self.rows = 0
        self.state = state
        self.alive = alive_file(state)
        self.alive.write_text("")
        self.proc = subprocess.Popen(
            [
                pg.tool("psql"),
                "-X",
                "-q",
                "-A",
                "-t",
                "-h",
                "127.0.0.1",
                "-p",
                str(pg.port),
                "-U",
                "postgres",
                "-d",
                "app",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
            env={"PGPASSWORD": pg.password, "PATH": "/usr/bin:/bin"},
        )
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        assert self.proc.stdin and self.proc.stdout
        while self.state.read_text().strip() == "running":
            self.proc.stdin.write(
                "INSERT INTO ledger (account, memo) VALUES ((random() * 1000)::int, "
                "repeat(md5(random()::text), 30)) "
                "RETURNING id;\n"
            )
            self.proc.stdin.flush()
            self.proc.stdout.readline()
            self.rows += 1
        self._exit()

    def _exit(self) -> None:
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()
        self.proc.wait(30)
        self.alive.unlink(missing_ok=True)

    def stop(self) -> int:
        self.thread.join(60)
        self._exit()
        return self.rows


def alive_file(state: Path) -> Path:
    return state.with_name(state.name + ".alive")


def app_service(state: Path, target_root: Path, link: Path) -> ServiceCommands:
    """The application's commands: its stop returns once the application has exited, as
    `systemctl stop` does (the writer's database session is closed by then)."""
    alive = alive_file(state)
    stop = (
        f"echo stopped > {state} && i=0; "
        f"while [ -e {alive} ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i+1)); done"
    )
    return file_service(state, target_root, link).model_copy(update={"stop": stop})


def one_arm(
    method: str, pg: PostgresServer, hosts, work: Path, bandwidth_mbps: float | None
) -> tuple[RunResult, dict[str, float], int]:
    src, tgt = hosts.source, hosts.target
    arm = work / f"{method}-{bandwidth_mbps or 'unlimited'}"
    app_data = src.root / arm.name / "data"
    app_data.mkdir(parents=True)
    (app_data / "config.ini").write_text("[app]\n")
    state = src.root / arm.name / "service.state"
    state.write_text("running\n")
    replica_base = _private_dir(f"govcloud-bench-{method}-", pg.user)
    replica = replica_base / "data"
    port = free_port()
    q = subprocess.list2cmdline
    psql_t = f'PGPASSWORD="${PW_ENV}" {pg.tool("psql")} -X -A -t -h 127.0.0.1 -p {port} -U postgres'
    db_service = ServiceCommands(
        exists=f"test -f {pg.data}/PG_VERSION",
        is_frozen=f"! {q(pg.ctl('status'))} >/dev/null",
        stop=f"{q(pg.ctl('stop'))} >/dev/null",
        start=f"{q(pg.ctl('start'))} -o {q([pg.options])} -l {pg.base}/server.log >/dev/null",
        target_is_serving=f"{psql_t} -c 'SELECT pg_is_in_recovery()' | grep -qx f",
        target_start="true",
        target_stop=f"{q(pg.ctl('stop', replica))} >/dev/null || true",
        target_health=f"{psql_t} -c 'SELECT 1' >/dev/null",
        smoke_test=f"{psql_t} -d app -c 'SELECT max(id) FROM ledger' | grep -q '^[0-9]'",
    )
    spec = DatabaseSpec(
        engine="postgresql",  # type: ignore[arg-type]
        source_port=pg.port,
        target_port=port,
        target_data_dir=str(replica),
        source_address="127.0.0.1",
        target_listen="127.0.0.1",
        os_user=pg.user or "postgres",
        bin_dir=pg.bin_dir,
        password_env=PW_ENV,
        databases=["app"],
    )
    app = Host(address=src.address, port=src.port, user=src.user, role="app", data_dirs=[str(app_data)])
    db = Host(address=src.address, port=src.port, user=src.user, role="db")
    inv, plan = inventory_and_plan("bench-db", [app, db], method="cold" if method == "cold" else "database")
    root = tgt.root / arm.name / "app"
    target = SystemTarget(
        target=Host(address=tgt.address, port=tgt.port, user=tgt.user, role="target"),
        data_root=str(root),
        authorized_keys=str(tgt.authorized_keys),
        service=app_service(state, root, tgt.root / arm.name / "current"),
        env={PW_ENV: pg.password},
        hosts=[
            PairTarget(
                role="db",
                target=Host(address=tgt.address, port=tgt.port, user=tgt.user),
                data_root=str(tgt.root / arm.name / "db"),
                authorized_keys=str(tgt.authorized_keys),
                service=db_service,
                database=spec,
            )
        ],
    )
    rendered = render_runbook("bench-db", plan, inv, {"bench-db": target}, bandwidth_mbps=bandwidth_mbps)
    writer = Writer(pg, state)
    try:
        time.sleep(2)  # the load is on before anything starts
        result = run_runbook(rendered, RunOptions(hosts.connector(), arm / "journal"))
    finally:
        rows = writer.stop()
        subprocess.run(pg.ctl("stop", replica), capture_output=True)
        shutil.rmtree(replica_base, ignore_errors=True)
    steps = step_seconds(arm / "journal" / "bench-db.jsonl")
    sync = next(r for r in journal_records(arm / "journal" / "bench-db.jsonl") if r.get("step") == "sync")
    steps["sync: file pass"] = sync.get("pass", {}).get("seconds", 0.0)
    steps["sync: catch-up and promotion"] = sync.get("databases", {}).get("db", {}).get("seconds", 0.0)
    if not pg.restart():  # the migration stopped the source for good; the next arm needs it again
        raise RuntimeError("source cluster did not restart")
    return result, steps, rows


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--gb", type=float, default=2.0, help="database size in GiB (default 2)")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args(argv)
    policy_mbps = load_policy().cutover.bandwidth_mbps
    load_at_start = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="govcloud-bench-db-"))
    hosts = start_hosts(work)
    pg = PostgresServer().start()
    try:
        rows = int(args.gb * (1 << 30) / ROW_BYTES)
        pg.sql("CREATE DATABASE app;")
        t0 = time.perf_counter()
        pg.sql(
            "CREATE TABLE ledger (id bigserial PRIMARY KEY, account int, memo text);"
            f"INSERT INTO ledger (account, memo) SELECT g % 1000, repeat(md5(g::text), 30) "
            f"FROM generate_series(1, {rows}) g; CHECKPOINT;",
            db="app",
        )
        size = int(pg.sql("SELECT pg_database_size('app');"))
        print(
            f"database: {size / (1 << 30):.2f} GiB, {rows} rows in {time.perf_counter() - t0:.0f}s",
            flush=True,
        )
        arms = {}
        for bw in (policy_mbps, None):
            for method in ("cold", "warm"):
                result, steps, written = one_arm(method, pg, hosts, work, bw)
                if result.outcome != "complete":
                    print(f"{method} run failed: {result.error}", file=sys.stderr)
                    return 1
                name = f"{method}, {f'{bw:g} Mb/s (policy)' if bw else 'no limit (loopback)'}"
                arms[name] = (result, steps, written)
                print(name, result.outage_seconds, steps, f"load {os.getloadavg()}", flush=True)

        def ratio(bw: str) -> float:
            cold = arms[f"cold, {bw}"][0].outage_seconds or 0
            return (arms[f"warm, {bw}"][0].outage_seconds or 0) / cold if cold else float("nan")

        at_policy, unlimited = ratio(f"{policy_mbps:g} Mb/s (policy)"), ratio("no limit (loopback)")
        table = Table(
            f"Outage of a {size / (1 << 30):.2f} GiB PostgreSQL database under write load",
            [
                "method",
                "outage s",
                "x cold",
                "pre-seed s (live)",
                "freeze s",
                "sync s",
                "of which file pass s",
                "of which catch-up + promotion s",
                "verify s",
                "cut-over s",
                "tables verified after start s",
                "rows written by the load",
            ],
            [
                [
                    m,
                    r.outage_seconds,
                    (r.outage_seconds or 0) / (arms["cold" + m[4:]][0].outage_seconds or 1)
                    if m.startswith("warm")
                    else 1.0,
                    st.get("pre-seed"),
                    st.get("freeze"),
                    st.get("sync"),
                    st.get("sync: file pass"),
                    st.get("sync: catch-up and promotion"),
                    st.get("verify"),
                    st.get("cut-over"),
                    st.get("post-check"),
                    w,
                ]
                for m, (r, st, w) in arms.items()
            ],
            note="Outage = freeze until the target serves (cut-over and smoke test passed), "
            "as journalled: the freeze, sync, verify and cut-over steps. "
            f"Target: warm <= 10 % of cold; this run: {100 * at_policy:.1f} % at the policy's "
            f"{policy_mbps:g} Mb/s, {100 * unlimited:.1f} % without a limit. "
            f"Load average at the start: {' '.join(f'{x:.2f}' for x in load_at_start)}, "
            f"at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}.",
        )
        write_results(
            "db_outage",
            "Playbooks: warm (streaming replica) vs cold PostgreSQL migration outage (one run)",
            [table],
            command=command_line("bench.db_outage", argv),
            data={"database_bytes": size},
            notes=[
                "One run of each arm on a shared 2-core machine; both arms move the same database under the "
                "same load from the same source cluster."
            ],
        )
        print(table.markdown())
        return 0
    finally:
        pg.stop()
        hosts.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
