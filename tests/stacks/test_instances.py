"""Items 8-10: data volumes mounted by cloud-init, the outputs the runbooks read, load balancers."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from planner.plan_model import Sizing, write_plan
from stacks.cloudinit import HostKeyMaterial, server_user_data
from stacks.paths import data_mount_path
from stacks.preview import PreviewResult, mock_ip, preview_departments, preview_platform, preview_wave
from tests.stacks.conftest import IMAGES, make_plan, system, user_data

INSTANCE = "openstack:compute/instance:Instance"
VOLUME = "openstack:blockstorage/volume:Volume"
FIP = "openstack:networking/floatingIp:FloatingIp"
LB = "openstack:loadbalancer/loadBalancer:LoadBalancer"
LISTENER = "openstack:loadbalancer/listener:Listener"
POOL = "openstack:loadbalancer/pool:Pool"
MEMBER = "openstack:loadbalancer/member:Member"
MONITOR = "openstack:loadbalancer/monitor:Monitor"
RECORD = "openstack:dns/recordSet:RecordSet"


def test_the_data_mount_path_is_one_segment_under_the_data_root() -> None:
    assert data_mount_path("fin-budget") == "/srv/govcloud/fin-budget"
    for bad in ("..", ".", "a/b", "", "a b", "-rf"):
        with pytest.raises(ValueError):
            data_mount_path(bad)


def test_instances_with_a_data_volume_mount_it_at_the_systems_data_path(previews) -> None:
    result: PreviewResult = previews[1]
    volumes = {v.name: v.id for v in result.of_type(VOLUME)}
    instances = result.of_type(INSTANCE)
    assert instances
    for instance in instances:
        host = instance.name.removesuffix("-vm")
        system_id = host.rsplit("-", 1)[0]
        doc = user_data(instance)
        (mount,) = doc["write_files"]
        assert doc["runcmd"] == [["/bin/sh", mount["path"]]]
        volume = volumes[f"{host}-data"]
        key = doc["ssh_keys"]
        material = HostKeyMaterial("ed25519", key["ed25519_private"], key["ed25519_public"])
        assert doc == yaml.safe_load(
            server_user_data(material, volume, data_mount_path(system_id)).split("\n", 1)[1]
        )
    # fin-db has no data: its cloud-init installs the host key and mounts nothing
    (fin_db,) = [i for i in previews[0].of_type(INSTANCE) if i.name == "fin-db-01-vm"]
    assert "write_files" not in user_data(fin_db) and "runcmd" not in user_data(fin_db)


def test_the_mount_script_is_idempotent_shell() -> None:
    material = HostKeyMaterial("ed25519", "PRIVATE", "ssh-ed25519 AAAA")
    text = server_user_data(material, "0f2c1b2a-aaaa-bbbb-cccc-1234567890ab", "/srv/govcloud/x")
    assert text.startswith("#cloud-config\n")
    doc = yaml.safe_load(text.split("\n", 1)[1])
    script = doc["write_files"][0]["content"]
    # formats only a disk without a filesystem; adds the fstab line once; mounts only when not mounted
    assert "blkid -o value -s TYPE" in script and "|| mkfs.xfs" in script
    assert 'grep -q "UUID=$uuid "' in script and "mountpoint -q /srv/govcloud/x ||" in script
    assert "virtio-$id20" in script and "nofail" in script
    if shutil.which("sh"):
        subprocess.run(["sh", "-n"], input=script, text=True, check=True)


def test_wave_outputs_give_the_runbooks_every_instance_with_its_addresses_and_mount(
    plan_file, previews
) -> None:
    plan, _ = plan_file
    systems = previews[1].outputs["systems"]
    assert set(systems) == {"fin-budget", "hr-app"}
    budget = systems["fin-budget"]
    assert budget["data_mount"] == data_mount_path("fin-budget")
    assert [i["name"] for i in budget["instances"]] == ["fin-budget-01", "fin-budget-02"]
    for inst in budget["instances"]:
        assert set(inst) == {
            "name",
            "role",
            "instance_id",
            "fixed_ip",
            "floating_ip",
            "ssh_host_keys",
            "ssh_host_key_fingerprints",
        }
        assert (
            inst["instance_id"] == f"{inst['name']}-vm-id"
            and inst["fixed_ip"]
            and inst["floating_ip"] is None
        )
        assert inst["role"] == "app" and len(inst["ssh_host_key_fingerprints"]) == 1
    portal = previews[0].outputs["systems"]["portal"]["instances"][0]
    assert portal["floating_ip"] == mock_ip("portal-01-fip")  # the floating IP's address
    assert portal["fixed_ip"] == mock_ip("portal-01-port")


@pytest.fixture(scope="module")
def public_cluster(tmp_path_factory: pytest.TempPathFactory) -> PreviewResult:
    plan = make_plan(
        [
            system(
                "web",
                "gov",
                domain="public_service",
                public_facing=True,
                mlps_level=2,
                sizing=Sizing(vcpu=4, ram_gb=8, storage_gb=0, servers=3),
            ),
            system(
                "one",
                "gov",
                domain="public_service",
                public_facing=True,
                mlps_level=2,
                sizing=Sizing(vcpu=1, ram_gb=2),
            ),
        ],
        waves=1,
    )
    path = tmp_path_factory.mktemp("lb") / "plan.json"
    write_plan(plan, path)
    overrides = {**IMAGES, "dnsZoneId": "zone-1", "dnsZoneName": "fuxin.gov.cn."}
    platform = preview_platform(path, overrides)
    return preview_wave(
        path, 0, overrides, platform=platform, departments=preview_departments(path, overrides, platform)
    )


def test_a_public_multi_server_system_sits_behind_a_load_balancer_with_one_public_address(
    public_cluster,
) -> None:
    r = public_cluster
    (lb,) = r.of_type(LB)
    assert lb.name == "web-public-lb" and lb.inputs["tenantId"] == "gov-project-id"
    assert sorted(int(x.inputs["protocolPort"]) for x in r.of_type(LISTENER)) == [80, 443]
    assert len(r.of_type(POOL)) == 2 and len(r.of_type(MONITOR)) == 2
    members = r.of_type(MEMBER)
    assert len(members) == 2 * 3
    assert {m.inputs["address"] for m in members} == {mock_ip(f"web-0{i}-port") for i in (1, 2, 3)}
    fips = {f.name: f.inputs for f in r.of_type(FIP)}
    assert set(fips) == {"web-public-fip", "one-01-fip"}  # none per server of web
    assert fips["web-public-fip"]["portId"] == "web-public-lb-vip-port-id"
    (record,) = r.of_type(RECORD)
    assert record.inputs["name"] == "web.fuxin.gov.cn." and record.inputs["type"] == "A"
    assert r.outputs["loadBalancers"]["web"] and all(
        i["floating_ip"] is None for i in r.outputs["systems"]["web"]["instances"]
    )
