"""AWS for the sandbox: moto's server on loopback, seeded with the manual's account: the EKS cluster
and its GPU node group, the backup bucket, some EC2 leftovers, and Cost Explorer daily figures."""
from __future__ import annotations

import logging
import random
from datetime import date, timedelta

import boto3
import requests
from moto.server import ThreadedMotoServer

REGION = "us-west-2"
ACCESS_KEY = "sandbox-access-key"
SECRET_KEY = "sandbox-secret-key"
CLUSTER = "llm-platform-production"
NODEGROUP = "a100-node-group"
BACKUP_BUCKET = "llm-platform-backups"
DAILY_COST_USD = 3380.0  # around the manual's $3,500 budget, inside the tolerance


class SandboxAws:
    def __init__(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.url = ""

    def start(self) -> str:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto logs every request otherwise
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        self.seed()
        return self.url

    def stop(self) -> None:
        self._server.stop()

    def client(self, service: str):
        return boto3.client(service, region_name=REGION, endpoint_url=self.url,
                            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def seed(self) -> None:
        self._seed_eks()
        self.client("s3").create_bucket(Bucket=BACKUP_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        self._seed_ec2()
        self.set_daily_costs(daily_costs(date.today()))

    def _seed_eks(self) -> None:
        eks = self.client("eks")
        role = "arn:aws:iam::123456789012:role/eks-cluster"
        eks.create_cluster(name=CLUSTER, roleArn=role, resourcesVpcConfig={"subnetIds": ["subnet-1", "subnet-2"]})
        eks.create_nodegroup(clusterName=CLUSTER, nodegroupName=NODEGROUP, nodeRole=role,
                             subnets=["subnet-1", "subnet-2"], instanceTypes=["p4d.24xlarge"],
                             scalingConfig={"minSize": 1, "maxSize": 6, "desiredSize": 2})

    def _seed_ec2(self) -> None:
        ec2 = self.client("ec2")
        volume = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=500, VolumeType="gp3")
        ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=200, VolumeType="gp2")
        ec2.create_snapshot(VolumeId=volume["VolumeId"], Description="qdrant data, pre-upgrade")

    def set_daily_costs(self, rows: list[tuple[date, float]]) -> None:
        """Cost Explorer answers: moto hands one queued result to each distinct query, so queue many
        copies of one result that spans every day a query might ask about."""
        result = {"ResultsByTime": [_day(day, usd) for day, usd in rows], "DimensionValueAttributes": []}
        response = requests.post(f"{self.url}/moto-api/static/ce/cost-and-usage-results",
                                 json={"results": [result] * 200}, timeout=5)
        response.raise_for_status()


def daily_costs(today: date, days_back: int = 60, days_ahead: int = 3) -> list[tuple[date, float]]:
    rng = random.Random(42)
    start = today - timedelta(days=days_back)
    return [(start + timedelta(days=i), round(DAILY_COST_USD * rng.uniform(0.93, 1.05), 2))
            for i in range(days_back + days_ahead)]


def _day(day: date, usd: float) -> dict:
    return {
        "TimePeriod": {"Start": day.isoformat(), "End": (day + timedelta(days=1)).isoformat()},
        "Total": {"UnblendedCost": {"Amount": f"{usd:.2f}", "Unit": "USD"}},
        "Groups": [],
        "Estimated": False,
    }
