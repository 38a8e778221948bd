"""An existing `Pulumi.<stack>.yaml` read back: what the Pulumi CLI put there that generate must keep.

`stacks generate` rewrites the stack files from the plan, but cloud engineers add to them with
the Pulumi CLI: `pulumi config set --secret` writes a secure value (`{secure: <ciphertext>}`) and
the stack's secrets-provider keys at the top of the file (`encryptionsalt` for the passphrase
provider; `secretsprovider` and `encryptedkey` for the cloud ones); `pulumi config set
openstack:...` writes provider settings. Without its secrets-provider keys the stack's secure
values cannot be decrypted, so all of these are carried over unchanged.

What is kept is kept as written: its YAML nodes go into the new file as they were read, so a
plain `12:30` or `yes` (strings in the YAML 1.2 the Pulumi CLI reads, a number and a boolean
under PyYAML's 1.1 rules) comes back exactly as it was written. The file is untrusted input: only the safe
loader reads it, and no error message quotes a value from it, only key names and positions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from foundation.errors import GovcloudError
from foundation.inputs import InputFileError, read_input_text
from stacks.config import NAMESPACE

# The stack's secrets-provider keys, in the order the Pulumi CLI writes them (its ProjectStack).
SECRETS_PROVIDER_KEYS = ("secretsprovider", "encryptedkey", "encryptionsalt")
CONFIG = "config"
SECURE = "secure"  # a secret config value is a mapping {secure: <ciphertext>}
# Largest stack file read back: PyYAML's pure-Python loader takes seconds for a few MB, and a
# stack file holds a few kB of config.
MAX_STACK_FILE_BYTES = 4 * 1024 * 1024

Pair = tuple[yaml.Node, yaml.Node]  # a mapping entry's key and value, as read


class StackFileError(GovcloudError, ValueError):
    """An existing stack file generate cannot carry over; the message names the file, never a value."""


@dataclass(frozen=True)
class KeptKeys:
    """Names, never values, of what a stack file holds that generate does not write."""

    names: tuple[str, ...] = ()  # the secrets-provider keys, then config keys in the file's order
    secret: tuple[str, ...] = ()  # the config keys among them whose value is (or holds) a secure value

    def __bool__(self) -> bool:
        return bool(self.names)

    def describe(self) -> str:
        return ", ".join(f"{n} (secret)" if n in self.secret else n for n in self.names)


@dataclass(frozen=True)
class StackFile:
    """A stack file as read back: its config, and the entries generate keeps when it rewrites it."""

    path: Path
    config: dict[str, Any]  # every config entry, as the safe loader reads it
    provider: tuple[Pair, ...]  # the secrets-provider keys present
    entries: tuple[Pair, ...]  # config entries with a secure value, or outside govcloud's namespace
    kept: KeptKeys

    def secrets_under(self, keys: set[str]) -> list[str]:
        """The config keys among *keys* whose value here is secret."""
        return [k for k in self.kept.secret if k in keys]


def _holds_secret(node: yaml.Node) -> bool:
    """Whether *node* is, or contains at any depth, a mapping with a `secure` key.

    Nested secure values come from `pulumi config set --path --secret`. Each node is visited once:
    aliases make the tree a graph (a few lines of anchors can stand for billions of nodes)."""
    seen: set[int] = set()
    todo = [node]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode) and key.value == SECURE:
                    return True
                todo.append(value)
        elif isinstance(current, yaml.SequenceNode):
            todo.extend(current.value)
    return False


def _keys(path: Path, node: yaml.MappingNode, where: str) -> list[str]:
    """The keys of a mapping: each a string, printable and given once (else StackFileError)."""
    keys: list[str] = []
    for key, _ in node.value:
        line = key.start_mark.line + 1
        if not (isinstance(key, yaml.ScalarNode) and key.tag == "tag:yaml.org,2002:str"):
            raise StackFileError(f"{path}: line {line}: a key of {where} is not a string")
        if not key.value.isprintable():
            raise StackFileError(f"{path}: line {line}: a key of {where} holds control characters")
        if key.value in keys:
            raise StackFileError(f"{path}: line {line}: {where} names {key.value} twice")
        keys.append(key.value)
    return keys


def _load(path: Path) -> tuple[yaml.Node | None, Any]:
    """The file's YAML node tree and its data, both from the safe loader (yaml.safe_load's two
    steps, keeping the nodes)."""
    try:
        text = read_input_text(path, MAX_STACK_FILE_BYTES)  # a regular file, of bounded size
    except InputFileError as exc:
        raise StackFileError(f"{path}: {exc.strerror}") from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    except yaml.YAMLError as exc:
        # Only the position: the YAML library's own message quotes the text around it.
        mark = getattr(exc, "problem_mark", None)
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise StackFileError(f"{path}: not valid YAML{at}") from None
    except (ValueError, TypeError, OverflowError):  # `!!int v1:...`: the message would quote it
        raise StackFileError(f"{path}: not valid YAML (a value does not fit its tag)") from None
    except RecursionError:
        raise StackFileError(f"{path}: nested too deeply to be a stack file") from None
    finally:
        loader.dispose()


def read_stack_file(path: Path) -> StackFile:
    """Read an existing stack file; StackFileError for one that is not YAML or not shaped as one.

    A top-level key other than `config` and the secrets-provider keys is refused rather than
    dropped: `environment` (Pulumi ESC) for one can set config keys behind generate's back."""
    node, data = _load(path)
    if node is None:
        return StackFile(path, {}, (), (), KeptKeys())
    if not isinstance(node, yaml.MappingNode):
        raise StackFileError(f"{path}: not a YAML mapping, not a stack file")
    top = dict(zip(_keys(path, node, "the file"), node.value, strict=True))
    unknown = sorted(set(top) - {CONFIG, *SECRETS_PROVIDER_KEYS})
    if unknown:
        raise StackFileError(
            f"{path}: top-level key {unknown[0]} is not one generate can keep "
            f"({', '.join((CONFIG, *SECRETS_PROVIDER_KEYS))}); remove it or move the file away"
        )
    present = tuple(k for k in SECRETS_PROVIDER_KEYS if k in top)
    for name in present:
        if not isinstance(data[name], str):
            raise StackFileError(f"{path}: {name} is not a string, as the Pulumi CLI writes it")
    provider = tuple(top[k] for k in present)
    config = data.get(CONFIG)
    if config is None:  # no `config:`, or nothing under it
        return StackFile(path, {}, provider, (), KeptKeys(present))
    if not isinstance(config, dict):
        raise StackFileError(f"{path}: config is not a mapping")
    config_node = top[CONFIG][1]
    names = _keys(path, config_node, CONFIG)
    pairs: list[Pair] = config_node.value
    secret = [n for n, (_, value) in zip(names, pairs, strict=True) if _holds_secret(value)]
    entries = [
        (n, pair)
        for n, pair in zip(names, pairs, strict=True)
        if n in secret or not n.startswith(f"{NAMESPACE}:")
    ]
    kept = KeptKeys(names=(*present, *(n for n, _ in entries)), secret=tuple(secret))
    return StackFile(path, config, provider, tuple(pair for _, pair in entries), kept)
