"""Offline preview: run the real Pulumi program under Pulumi's mock runtime, no cloud needed.

The program is exactly the one `pulumi up` runs (stacks.program.compose, which reads the plan
file named by config); only the engine is replaced by ``pulumi.runtime.set_mocks``: every
resource registration is recorded with its type, parent and inputs and answered with a fake ID
(`<name>-id`). Stack references answer with what the referenced stacks would export: the
platform's exports come from previewing the platform stack first, an earlier wave's security
groups from the same fake-ID convention.

Every preview is independent of what ran before it in the process. The SDK keeps its runtime
state in context variables, but not all of it is per-context: ``set_mocks`` does not reset the
set of pending outputs (``SETTINGS.outputs``) nor its lock, so they fall back to a process-wide
default, and a failed run leaves tasks of its (closed) event loop in that set; the next run then
awaits them and dies with "Event loop is closed". So each preview runs in a fresh thread (a fresh
context) with its own event loop, resets every runtime setting first (``reset_options``), and is
torn down completely, even when it fails: pending tasks cancelled and drained, executor threads
joined, the pending-output set and RPC manager emptied, then the loop closed.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import gc
import hashlib
import ipaddress
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.stack import run_pulumi_func

from foundation.errors import GovcloudError
from planner.plan_model import Plan, PlanError, load_plan
from stacks.components.system_deployment import security_group_name
from stacks.config import NAMESPACE, config_map, settings_from_values
from stacks.credentials import PASSWORD_KEY
from stacks.hostkeys import TLS_PRIVATE_KEY
from stacks.paths import data_mount_path
from stacks.program import OUT_SECURITY_GROUPS, OUT_SYSTEMS, compose
from stacks.security import is_placed

PROJECT = "govcloud"
STACK_REFERENCE = "pulumi:pulumi:StackReference"
STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_PREFIX = "pulumi:providers:"
PORT = "openstack:networking/port:Port"
FLOATING_IP = "openstack:networking/floatingIp:FloatingIp"
LOAD_BALANCER = "openstack:loadbalancer/loadBalancer:LoadBalancer"
# Only the offline preview's own runs see this; never a real credential.
PREVIEW_PASSWORD = "offline-preview"
MOCK_POOL = ipaddress.ip_network("100.64.0.0/10")  # shared address space: never a real cloud address


def mock_id(name: str) -> str:
    """The fake physical ID the mock engine gives a resource of this logical name."""
    return f"{name}-id"


def mock_ip(name: str) -> str:
    """The fake address the mock engine gives the port (or VIP, floating IP) of this logical name."""
    offset = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big") % (MOCK_POOL.num_addresses - 2)
    return str(MOCK_POOL.network_address + 1 + offset)


def mock_private_key(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """What the TLS provider computes for a `tls.PrivateKey`: a real key of the requested kind
    (the preview's keys are thrown away with it), in the provider's output formats."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    algorithm = str(inputs.get("algorithm", "RSA")).upper()
    key: Any
    if algorithm == "ED25519":
        key = ed25519.Ed25519PrivateKey.generate()
    elif algorithm == "ECDSA":
        curves = {"P256": ec.SECP256R1(), "P384": ec.SECP384R1(), "P521": ec.SECP521R1()}
        key = ec.generate_private_key(curves[str(inputs.get("ecdsaCurve", "P256"))])
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=int(inputs.get("rsaBits", 2048)))
    encoding, none = serialization.Encoding, serialization.NoEncryption()
    openssh = key.private_bytes(encoding.PEM, serialization.PrivateFormat.OpenSSH, none).decode()
    pem = (
        openssh
        if algorithm == "ED25519"  # the provider gives Ed25519 keys as PKCS#8; sshd never reads that
        else key.private_bytes(encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, none).decode()
    )
    public = key.public_key().public_bytes(encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    blob = base64.b64decode(public.split()[1])
    return {
        "privateKeyOpenssh": openssh,
        "privateKeyPem": pem,
        "publicKeyOpenssh": public + "\n",
        "publicKeyFingerprintSha256": "SHA256:"
        + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("="),
    }


def _computed(type_token: str, name: str) -> dict[str, Any]:
    """Outputs OpenStack computes that the program reads back (addresses, the VIP port)."""
    if type_token == PORT:
        return {"allFixedIps": [mock_ip(name)]}
    if type_token == FLOATING_IP:
        return {"address": mock_ip(name)}
    if type_token == LOAD_BALANCER:
        return {"vipPortId": mock_id(f"{name}-vip-port"), "vipAddress": mock_ip(name)}
    return {}


@dataclass(frozen=True)
class PreviewResource:
    """One resource the program registered."""

    urn: str
    type: str
    name: str
    parent: str | None
    inputs: Mapping[str, Any]
    id: str
    dependencies: tuple[str, ...] = ()  # URNs it waits for: explicit depends_on and its inputs' resources
    provider: str | None = None  # `URN::ID` of the provider that creates it (None: the default one)
    protect: bool = False
    retain_on_delete: bool = False
    ignore_changes: tuple[str, ...] = ()
    import_id: str = ""
    read: bool = False  # read (`get`) rather than created
    outputs: Mapping[str, Any] = field(default_factory=dict)  # what a component registered as its outputs

    @property
    def is_component(self) -> bool:
        return self.type.startswith("govcloud:")

    @property
    def provider_urn(self) -> str | None:
        return self.provider.rsplit("::", 1)[0] if self.provider else None


@dataclass
class PreviewResult:
    """The resources a stack would create, its outputs and the engine's warnings."""

    stack: str
    resources: list[PreviewResource]
    outputs: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    secret_outputs: frozenset[str] = frozenset()  # outputs `pulumi stack output` would mask

    def counts(self) -> Counter[str]:
        """Resources per type (stack references and providers included)."""
        return Counter(r.type for r in self.resources)

    def of_type(self, type_token: str) -> list[PreviewResource]:
        return [r for r in self.resources if r.type == type_token]

    def by_id(self) -> dict[str, PreviewResource]:
        return {r.id: r for r in self.resources if r.id}

    def by_urn(self) -> dict[str, PreviewResource]:
        return {r.urn: r for r in self.resources}

    def within(self, urn: str, ancestor: str) -> bool:
        """Whether the resource *urn* is *ancestor* or one of its descendants."""
        urns = self.by_urn()
        current: str | None = urn
        while current is not None:
            if current == ancestor:
                return True
            current = urns[current].parent if current in urns else None
        return False

    def depends_on(self, resource: PreviewResource, target: PreviewResource) -> bool:
        """Whether *resource* waits for *target* (a component: for something inside it), directly or
        through the resources it waits for."""
        urns = self.by_urn()
        seen: set[str] = set()
        stack = list(resource.dependencies)
        while stack:
            urn = stack.pop()
            if self.within(urn, target.urn):
                return True
            if urn in seen or urn not in urns:
                continue
            seen.add(urn)
            stack.extend(urns[urn].dependencies)
        return False

    def children(self) -> dict[str | None, list[PreviewResource]]:
        """Resources by parent URN (None for the top level)."""
        kids: dict[str | None, list[PreviewResource]] = {}
        for r in self.resources:
            kids.setdefault(r.parent, []).append(r)
        return kids


class PreviewError(GovcloudError, RuntimeError):
    """The program failed under the mock runtime; the message is the program's error."""


class RecordingMocks(pulumi.runtime.Mocks):
    """Answers every registration with `<name>-id` and its inputs; stack references from a table."""

    def __init__(self, stack_outputs: Mapping[str, Mapping[str, Any]]) -> None:
        self.stack_outputs = stack_outputs
        # The inputs the engine has just deserialised for the registration running on this thread,
        # handed to the monitor so it need not deserialise them a second time.
        self.current = threading.local()

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        self.current.inputs = args.inputs
        if args.typ == STACK_REFERENCE:
            name = args.inputs.get("name") or args.name
            if name not in self.stack_outputs:
                raise PreviewError(
                    f"stack reference {name!r} does not resolve (no such stack in the preview)"
                )
            return name, {"name": name, "outputs": dict(self.stack_outputs[name]), "secretOutputNames": []}
        if args.resource_id:  # a read, or an import: the resource keeps its ID
            return args.resource_id, dict(args.inputs)
        # Only what the cloud computes: the SDK resolves every other property from the inputs it
        # sent (not a dry run), so echoing them would serialise and parse each input twice more.
        if args.typ == TLS_PRIVATE_KEY:
            return mock_id(args.name), mock_private_key(args.inputs)
        return mock_id(args.name), _computed(args.typ, args.name)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list[tuple[str, str]] | None]:
        if args.token == "openstack:networking/getNetwork:getNetwork":
            name = args.args.get("name") or "network"
            return {"id": mock_id(name), "name": name, "external": bool(args.args.get("external"))}, []
        return {}, []


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The mock engine, additionally recording each resource's parent and inputs in order."""

    mocks: RecordingMocks

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self._records: list[PreviewResource] = []
        self._outputs: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def _record(self, request: Any, urn: str, resource_id: str, read: bool = False) -> None:
        inputs = self.mocks.current.inputs
        self.mocks.current.inputs = None
        record = PreviewResource(
            urn=urn,
            type=request.type,
            name=request.name,
            parent=request.parent or None,
            inputs=inputs,
            id=resource_id,
            dependencies=tuple(request.dependencies),
            provider=request.provider or None,
            protect=bool(getattr(request, "protect", False)) if not read else False,
            retain_on_delete=bool(getattr(request, "retainOnDelete", False)) if not read else False,
            ignore_changes=tuple(getattr(request, "ignoreChanges", ())) if not read else (),
            import_id=getattr(request, "importId", "") if not read else "",
            read=read,
        )
        with self._lock:
            self._records.append(record)

    def resources_in_order(self) -> list[PreviewResource]:
        """Every resource recorded, in registration order (components with their outputs)."""
        with self._lock:
            return [
                dataclasses.replace(r, outputs=self._outputs[r.urn]) if r.urn in self._outputs else r
                for r in self._records
            ]

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        outputs = rpc.deserialize_properties(request.outputs) if request.outputs else {}
        with self._lock:
            self._outputs[request.urn] = dict(outputs)
        return super().RegisterResourceOutputs(request)

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)
        if request.type != STACK_TYPE:
            self._record(request, response.urn, response.id)
        return response

    def ReadResource(self, request: Any) -> Any:  # noqa: N802
        response = super().ReadResource(request)
        self._record(request, response.urn, self.resources[response.urn].id or "", read=True)
        return response


def _run_isolated(fn: Callable[[], PreviewResult]) -> PreviewResult:
    """Run in a fresh thread: a fresh context (Pulumi's runtime state) and its own event loop."""
    box: dict[str, Any] = {}

    def body() -> None:
        try:
            box["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=body, name="govcloud-preview")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["result"]


class _MockEngineThreads(ThreadPoolExecutor):
    """The threads the mock engine's RPCs run on; each gets an event loop, closed at shutdown.

    The mock monitor serialises on its thread's own event loop (``_ensure_event_loop`` creates one
    when there is none); those loops would otherwise outlive the preview with their descriptors.
    """

    def __init__(self) -> None:
        self._loops: list[asyncio.AbstractEventLoop] = []
        self._loops_lock = threading.Lock()
        super().__init__(thread_name_prefix="govcloud-mock-engine", initializer=self._give_loop)

    def _give_loop(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        with self._loops_lock:
            self._loops.append(loop)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        super().shutdown(wait=wait, cancel_futures=cancel_futures)
        if wait:  # the threads have ended: nothing runs their loops any more
            with self._loops_lock:
                loops, self._loops = self._loops, []
            for loop in loops:
                loop.close()


def _reset_runtime(stack: str, monitor: RecordingMonitor, logger: logging.Logger) -> None:
    """Fresh Pulumi runtime state for this context, then the mock engine.

    ``reset_options`` builds a full ``Settings`` (new RPC manager, pending-output set and lock, no
    root resource); ``set_mocks`` alone would leave the pending outputs on the process-wide default
    that earlier runs, failed ones included, have filled.
    """
    settings.reset_options(project=PROJECT, stack=stack, preview=False)
    pulumi.runtime.set_mocks(
        monitor.mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor, logger=logger
    )


def _tear_down(loop: asyncio.AbstractEventLoop) -> None:
    """Leave nothing of a run behind, whether it succeeded or failed, then close its loop."""
    try:
        # A failed run stops waiting at the first error: its other tasks are still pending.
        for _ in range(10):  # a cancelled task's cleanup may schedule another; bounded
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            if not pending:
                break
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        with settings.SETTINGS.lock:
            leftovers = list(settings.SETTINGS.outputs)
            settings.SETTINGS.outputs.clear()
        for fut in leftovers:  # failed outputs stay in the set "for program exit": retrieve, drop
            if fut.done() and not fut.cancelled():
                fut.exception()
        settings.SETTINGS.rpc_manager.clear()
        loop.run_until_complete(loop.shutdown_asyncgens())
        # Mock RPCs run on the loop's executor: join them so none calls back into a closed loop.
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def _collect_loop_errors(sink: list[str]) -> Callable[[asyncio.AbstractEventLoop, dict[str, Any]], None]:
    """Loop exception handler: keep what asyncio reports (e.g. unretrieved errors of a failed run)."""

    def handle(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        message = context.get("message", "asyncio error")
        sink.append(f"{message}: {type(exc).__name__}: {exc}" if exc else str(message))

    return handle


def run_program(
    stack: str,
    config: Mapping[str, Any],
    stack_outputs: Mapping[str, Mapping[str, Any]],
    program: Callable[[], None] = compose,
) -> PreviewResult:
    """Run *program* as stack *stack* with project config *config* under the mock runtime."""

    def body() -> PreviewResult:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        loop.set_default_executor(_MockEngineThreads())
        engine_errors: list[str] = []
        loop.set_exception_handler(_collect_loop_errors(engine_errors))
        warnings: list[str] = []
        try:
            monitor = RecordingMonitor(RecordingMocks(stack_outputs))
            _reset_runtime(stack, monitor, _warning_logger(warnings))
            pulumi.runtime.set_all_config(
                {**config_map(config), f"{NAMESPACE}:{PASSWORD_KEY}": PREVIEW_PASSWORD},
                secret_keys=[f"{NAMESPACE}:{PASSWORD_KEY}"],
            )
            started = time.perf_counter()
            try:
                loop.run_until_complete(run_pulumi_func(program))
            except pulumi.RunError as exc:
                raise PreviewError(str(exc)) from None
            except PreviewError:
                raise
            except Exception as exc:  # an engine-side failure (e.g. an output a reference lacks)
                raise PreviewError(f"stack {stack}: {type(exc).__name__}: {exc}") from exc
            root = settings.get_root_resource()
            raw_outputs = dict(getattr(root, "outputs", {}) or {})
            lifted = {k: pulumi.Output.from_input(v) for k, v in raw_outputs.items()}
            outputs = {k: loop.run_until_complete(o.future()) for k, o in lifted.items()}
            secret = frozenset(k for k, o in lifted.items() if loop.run_until_complete(o.is_secret()))
            elapsed = time.perf_counter() - started
            warnings.extend(engine_errors)  # asyncio errors of a run that still succeeded
            return PreviewResult(
                stack, monitor.resources_in_order(), outputs, warnings, elapsed, secret_outputs=secret
            )
        finally:
            _tear_down(loop)

    with without_cycle_collection():
        return _run_isolated(body)


_gc_lock = threading.Lock()
_gc_holders = 0


@contextlib.contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Suspend Python's cyclic garbage collector while a preview runs.

    A preview builds hundreds of thousands of long-lived objects (outputs, futures, tasks) and
    almost no cyclic garbage; each full collection walks all of them, so the collector's cost grew
    with the wave and was more than half of a 300-system preview's CPU (22 s -> 10 s without it,
    peak memory 516 -> 542 MB). Nested and concurrent previews share one suspension; a caller
    running several previews (the CLI, the benchmark) holds it around all of them, which also
    spares the collections between them (another 15-20 % of a wave's CPU in one measurement).
    """
    global _gc_holders
    with _gc_lock:
        if _gc_holders == 0:
            was_enabled = gc.isenabled()
            gc.disable()
            without_cycle_collection.was_enabled = was_enabled  # type: ignore[attr-defined]
        _gc_holders += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_holders -= 1
            if _gc_holders == 0 and getattr(without_cycle_collection, "was_enabled", True):
                gc.enable()


class _Collect(logging.Handler):
    """Keeps the warnings and errors the program logs (pulumi.log) during a preview."""

    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


def _warning_logger(sink: list[str]) -> logging.Logger:
    logger = logging.Logger("govcloud.preview", logging.WARNING)  # not registered: one per preview
    logger.addHandler(_Collect(sink))
    return logger


def _plan(plan_path: str | Path, overrides: Mapping[str, Any]) -> tuple[Any, Plan]:
    settings = settings_from_values({**overrides, "plan": str(Path(plan_path).resolve())})
    try:
        return settings, load_plan(settings.plan_path)
    except PlanError as exc:
        raise PreviewError(str(exc)) from None


def preview_platform(plan_path: str | Path, overrides: Mapping[str, Any] | None = None) -> PreviewResult:
    """Preview the platform stack of a plan."""
    config = {**(overrides or {}), "layer": "platform", "plan": str(Path(plan_path).resolve())}
    return run_program("platform", config, {})


def preview_departments(
    plan_path: str | Path, overrides: Mapping[str, Any] | None = None, platform: PreviewResult | None = None
) -> PreviewResult:
    """Preview the departments stack; the platform is previewed first for its stack reference."""
    overrides = dict(overrides or {})
    platform = platform or preview_platform(plan_path, overrides)
    settings, _ = _plan(plan_path, overrides)
    config = {**overrides, "layer": "departments", "plan": str(Path(plan_path).resolve())}
    return run_program("departments", config, {settings.platform_stack: platform.outputs})


def earlier_wave_outputs(
    plan_path: str | Path, wave: int, overrides: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """What the stacks of earlier waves export (their systems' groups and addresses), by stack name,
    following the mock engine's conventions (`<name>-id`, `mock_ip`)."""
    settings, plan = _plan(plan_path, overrides)
    by_wave: dict[int, dict[str, Any]] = {}
    for s in plan.systems:
        if is_placed(s) and s.wave is not None and s.wave < wave:
            out = by_wave.setdefault(s.wave, {OUT_SECURITY_GROUPS: {}, OUT_SYSTEMS: {}})
            out[OUT_SECURITY_GROUPS][s.id] = mock_id(security_group_name(s.id))
            hosts = [f"{s.id}-{i:02d}" for i in range(1, max(1, s.sizing.servers) + 1)]
            out[OUT_SYSTEMS][s.id] = {
                "data_mount": data_mount_path(s.id),
                "instances": [
                    {
                        "name": h,
                        "role": "app",
                        "instance_id": mock_id(f"{h}-vm"),
                        "fixed_ip": mock_ip(f"{h}-port"),
                        "floating_ip": None,
                        "ssh_host_keys": [],
                        "ssh_host_key_fingerprints": [],
                    }
                    for h in hosts
                ],
            }
    return {settings.wave_stack(w): outputs for w, outputs in by_wave.items()}


def preview_wave(
    plan_path: str | Path,
    wave: int,
    overrides: Mapping[str, Any] | None = None,
    platform: PreviewResult | None = None,
    departments: PreviewResult | None = None,
) -> PreviewResult:
    """Preview one wave's stack; the platform and departments are previewed first for the stack
    references' values (pass them in when previewing several waves)."""
    overrides = dict(overrides or {})
    platform = platform or preview_platform(plan_path, overrides)
    departments = departments or preview_departments(plan_path, overrides, platform)
    settings, _ = _plan(plan_path, overrides)
    refs = {
        settings.platform_stack: platform.outputs,
        settings.departments_stack: departments.outputs,
        **earlier_wave_outputs(plan_path, wave, overrides),
    }
    config = {**overrides, "layer": "wave", "wave": wave, "plan": str(Path(plan_path).resolve())}
    return run_program(f"wave-{wave:02d}", config, refs)


__all__ = [
    "NAMESPACE",
    "PreviewError",
    "PreviewResource",
    "PreviewResult",
    "mock_id",
    "mock_ip",
    "preview_departments",
    "preview_platform",
    "preview_wave",
    "run_program",
    "without_cycle_collection",
]
