"""Entry point `pulumi up` runs (Pulumi.yaml `main: stacks/`): only composes, see stacks/program.py."""

from stacks.program import compose

compose()
