"""Who creates what: the credentials model of the govcloud stacks (stacks/README.md explains it).

The `platform` and `departments` stacks run with the cloud administrator's credentials (clouds.yaml,
OS_CLOUD) and the default provider: they create networks, projects, quotas and RBAC shares, which
only an admin may. A wave stack creates each department's resources with a provider of its own,
built from explicit arguments — Keystone URL, region, the deploying user and the department
project's ID as `tenant_id` — never from clouds.yaml: the OpenStack provider lets `OS_CLOUD` (and
`OS_PROJECT_*` / `OS_TENANT_*`) override a provider's own scope (terraform-provider-openstack
#1269, #434), so a wave stack refuses to run while any of them is set. Networking and load-balancer
resources additionally name their project in `tenant_id`: Neutron and Octavia refuse a non-admin
token whose project differs, so a mis-scoped provider fails loudly instead of creating resources in
the wrong project.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_openstack as openstack

from stacks.config import NAMESPACE, StackSettings

# Environment variables that would silently re-scope an explicitly scoped provider.
SCOPE_OVERRIDES = (
    "OS_CLOUD",
    "OS_PROJECT_ID",
    "OS_PROJECT_NAME",
    "OS_TENANT_ID",
    "OS_TENANT_NAME",
    "OS_APPLICATION_CREDENTIAL_ID",
    "OS_APPLICATION_CREDENTIAL_NAME",
)
PASSWORD_KEY = "deployPassword"  # secret stack config: `pulumi config set --secret govcloud:deployPassword`


def scope_overrides(environ: Mapping[str, str]) -> list[str]:
    """The environment variables set that would override a wave stack's per-project scope."""
    return [name for name in SCOPE_OVERRIDES if environ.get(name)]


def provider_name(department: str) -> str:
    return f"{department}-provider"


def project_provider(
    settings: StackSettings, department: str, project_id: pulumi.Input[str], parent: pulumi.Resource
) -> openstack.Provider:
    """A provider scoped to one department's project by explicit arguments only."""
    password = pulumi.Config(NAMESPACE).get_secret(PASSWORD_KEY)
    if password is None:
        raise pulumi.RunError(
            f"{NAMESPACE}:{PASSWORD_KEY} is not set: `pulumi config set --secret {NAMESPACE}:{PASSWORD_KEY}` "
            f"(the password of {settings.deploy_user}, who holds a role on every department project)"
        )
    return openstack.Provider(
        provider_name(department),
        auth_url=settings.auth_url,
        region=settings.region,
        user_name=settings.deploy_user,
        user_domain_name=settings.user_domain_name,
        password=password,
        tenant_id=project_id,
        opts=pulumi.ResourceOptions(parent=parent),
    )
