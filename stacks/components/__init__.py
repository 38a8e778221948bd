"""Pulumi components of the govcloud landing zone: one ComponentResource per concept."""

from stacks.components.boundary import DomainBoundary, DomainBoundaryArgs
from stacks.components.department_project import DepartmentProject, DepartmentProjectArgs
from stacks.components.domain_network import DomainNetwork, DomainNetworkArgs
from stacks.components.public_web import PublicWebAccess, PublicWebAccessArgs
from stacks.components.system_deployment import SystemDeployment, SystemDeploymentArgs

__all__ = [
    "DepartmentProject",
    "DepartmentProjectArgs",
    "DomainBoundary",
    "DomainBoundaryArgs",
    "DomainNetwork",
    "DomainNetworkArgs",
    "PublicWebAccess",
    "PublicWebAccessArgs",
    "SystemDeployment",
    "SystemDeploymentArgs",
]
