"""The govcloud Pulumi program: the platform stack and one stack per migration wave (see README.md)."""
