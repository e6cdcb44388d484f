"""AWS for the sandbox: moto's server on loopback, seeded with the manual's account: the EKS cluster
and its GPU node group, the backup bucket, some EC2 and ELB leftovers (unattached volumes, an old
snapshot, a spot request, a load balancer without targets), the platform's IAM policy, and Cost
Explorer daily figures (moto's; the bot asks sandbox/cost_explorer.py, which can group and forecast)."""

from __future__ import annotations

import csv
import io
import json
import logging
import random
from datetime import date, datetime, timedelta, timezone

import boto3
import requests
from moto.server import ThreadedMotoServer

from sandbox import aws_elb

REGION = "us-west-2"
ACCESS_KEY = "sandbox-access-key"
SECRET_KEY = "sandbox-secret-key"
CLUSTER = "llm-platform-production"
NODEGROUP = "a100-node-group"
BACKUP_BUCKET = "llm-platform-backups"
UPLOAD_BUCKET = "llm-platform-uploads"  # files for /llm index: a sample, a malformed one, an empty one
SANDBOX_PART_BYTES = (
    128 * 1024
)  # S3 wants 5 MiB parts; moto is told to accept these so a 300 KiB snapshot goes in 3
DAILY_COST_USD = 3380.0  # around the manual's $3,500 budget, inside the tolerance
OLD_SNAPSHOT_DAYS = 200
SPOT_PRICE = "1.2120"  # USD an hour, the most the spot request pays
IDLE_LOAD_BALANCER = "old-demo-ui"
OUTAGE_LOAD_BALANCER = "rag-internal"  # for add_load_balancer(..., "stopped"): targets, none healthy
DOWN_LOAD_BALANCER = (
    "llm-admin-ui"  # seeded: its only target is stopped, so /llm cost waste reports an outage
)
POLICY_NAME = "LLM-Platform-Policy"  # as the manual names it
POLICY_V1 = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Backups",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": f"arn:aws:s3:::{BACKUP_BUCKET}/*",
        }
    ],
}
POLICY_V2 = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Backups",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": f"arn:aws:s3:::{BACKUP_BUCKET}/*",
        },
        {
            "Sid": "CostReports",
            "Effect": "Allow",
            "Action": ["ce:GetCostAndUsage", "ce:GetCostForecast"],
            "Resource": "*",
        },
        {"Sid": "Debugging", "Effect": "Allow", "Action": "ec2:*", "Resource": "*"},
    ],
}


class SandboxAws:
    def __init__(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.url = ""

    def start(self) -> str:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto logs every request otherwise
        _allow_small_parts()
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        self.seed()
        return self.url

    def stop(self) -> None:
        self._server.stop()

    def client(self, service: str):
        return boto3.client(
            service,
            region_name=REGION,
            endpoint_url=self.url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def seed(self) -> None:
        if CLUSTER in self.client("eks").list_clusters()["clusters"]:
            return  # moto keeps one account per process: an earlier sandbox in this process seeded it
        self._seed_eks()
        self.client("s3").create_bucket(
            Bucket=BACKUP_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        self._seed_ec2()
        self._seed_elb()
        self._seed_iam()
        self._seed_uploads()
        self.set_daily_costs(daily_costs(date.today()))

    def _seed_eks(self) -> None:
        eks = self.client("eks")
        role = "arn:aws:iam::123456789012:role/eks-cluster"
        eks.create_cluster(
            name=CLUSTER, roleArn=role, resourcesVpcConfig={"subnetIds": ["subnet-1", "subnet-2"]}
        )
        eks.create_nodegroup(
            clusterName=CLUSTER,
            nodegroupName=NODEGROUP,
            nodeRole=role,
            subnets=["subnet-1", "subnet-2"],
            instanceTypes=["p4d.24xlarge"],
            scalingConfig={"minSize": 1, "maxSize": 6, "desiredSize": 2},
        )

    def _seed_ec2(self) -> None:
        ec2 = self.client("ec2")
        volume = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=500, VolumeType="gp3")
        ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=200, VolumeType="gp2")
        ec2.create_snapshot(VolumeId=volume["VolumeId"], Description="qdrant data, pre-upgrade")
        old = ec2.create_snapshot(VolumeId=volume["VolumeId"], Description="vllm model cache, llama-2 era")
        _backdate_snapshot(old["SnapshotId"], OLD_SNAPSHOT_DAYS)
        ec2.request_spot_instances(
            SpotPrice=SPOT_PRICE,
            InstanceCount=1,
            Type="persistent",
            LaunchSpecification={"ImageId": "ami-12c6146b", "InstanceType": "g5.2xlarge"},
        )

    def _seed_elb(self) -> None:
        """One load balancer left behind with no targets at all (waste), and one whose only target is
        stopped (an outage: not waste, reported apart)."""
        aws_elb.add_load_balancer(self, IDLE_LOAD_BALANCER, "none")
        aws_elb.add_load_balancer(self, DOWN_LOAD_BALANCER, "stopped")

    def add_load_balancer(self, name: str, targets: aws_elb.Targets) -> None:
        """Another load balancer: no targets (unused), a running target (healthy) or a stopped one
        (an outage, OUTAGE_LOAD_BALANCER). Not seeded by default; tests remove what they add, since
        moto's state is shared by every sandbox in the process."""
        aws_elb.add_load_balancer(self, name, targets)

    def remove_load_balancer(self, name: str) -> None:
        aws_elb.remove_load_balancer(self, name)

    def _seed_iam(self) -> None:
        """The platform's policy: version 1 was tight, version 2 (the default) grew wildcards."""
        iam = self.client("iam")
        arn = iam.create_policy(PolicyName=POLICY_NAME, PolicyDocument=json.dumps(POLICY_V1))["Policy"]["Arn"]
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(POLICY_V2), SetAsDefault=True)

    def _seed_uploads(self) -> None:
        s3 = self.client("s3")
        s3.create_bucket(Bucket=UPLOAD_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        for key, body in upload_files().items():
            s3.put_object(Bucket=UPLOAD_BUCKET, Key=key, Body=body)

    def set_daily_costs(self, rows: list[tuple[date, float]]) -> None:
        """Cost Explorer answers: moto hands one queued result to each distinct query, so queue many
        copies of one result that spans every day a query might ask about."""
        result = {"ResultsByTime": [_day(day, usd) for day, usd in rows], "DimensionValueAttributes": []}
        response = requests.post(
            f"{self.url}/moto-api/static/ce/cost-and-usage-results",
            json={"results": [result] * 200},
            timeout=5,
        )
        response.raise_for_status()


def _allow_small_parts() -> None:
    """moto's documented knob (S3_UPLOAD_PART_MIN_SIZE) is read at import; set the module value so the
    sandbox's small snapshots still exercise multipart uploads."""
    from moto.s3 import models

    models.S3_UPLOAD_PART_MIN_SIZE = SANDBOX_PART_BYTES


SECTIONS = ("Morning Checks", "Scaling", "Canary Deployments", "Backup and Restore", "Incident Response")


# the manual's "CSV/JSON format": id, text, a metadata column of JSON, and a column that joins metadata
FAQ_ROWS = [
    ("id", "text", "metadata", "owner"),
    ("faq-001", "How do I restore Qdrant? /llm restore qdrant latest.", '{"topic": "backups"}', "platform"),
    ("faq-002", "Who approves a scale-up? An approver who did not ask.", '{"topic": "scaling"}', "platform"),
    ("faq-003", "What is the daily budget? $3,500, within 10% either way.", "", "finance"),
    ("faq-004", "", '{"topic": "empty"}', "platform"),
]


def _csv(rows: list[tuple[str, ...]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def upload_files() -> dict[str, bytes]:
    """handbook.jsonl: 2,500 runbook passages (three batches of 1,000); malformed.jsonl: good lines
    among bad JSON, a missing id, empty text, metadata that is not an object and a repeated id;
    faq.csv: the manual's CSV, one row without text."""
    lines = [
        json.dumps(
            {
                "id": f"kb-{n:04d}",
                "text": f"{SECTIONS[n % 5]}, passage {n}: check the dashboards, "
                f"then follow step {n % 7 + 1} of the runbook.",
                "metadata": {"source": "operations-manual", "section": SECTIONS[n % 5]},
            }
        )
        for n in range(1, 2501)
    ]
    malformed = [
        json.dumps({"id": "mf-1", "text": "Scale rag-service before a launch.", "metadata": {}}),
        '{"id": "mf-2", "text": "unterminated',
        json.dumps({"text": "no id here"}),
        json.dumps({"id": "mf-4", "text": "   "}),
        json.dumps({"id": "mf-5", "text": "Metadata must be an object.", "metadata": "runbook"}),
        json.dumps({"id": "mf-1", "text": "the same id again"}),
        json.dumps({"id": "mf-7", "text": "Restore Qdrant from the newest verified snapshot."}),
    ]
    return {
        "faq.csv": _csv(FAQ_ROWS),
        "handbook.jsonl": ("\n".join(lines) + "\n").encode(),
        "malformed.jsonl": ("\n".join(malformed) + "\n").encode(),
        "empty.jsonl": b"",
        "not-json.jsonl": b"<html>this is not JSON</html>\n",
    }


def _backdate_snapshot(snapshot_id: str, days: int) -> None:
    """moto's API cannot create an old snapshot; ThreadedMotoServer runs in this process, so set the
    start time on moto's own backend object. Sandbox seeding only: nothing else reaches into moto."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ec2.models import ec2_backends

    snapshot = ec2_backends[DEFAULT_ACCOUNT_ID][REGION].snapshots[snapshot_id]
    snapshot.start_time = datetime.now(timezone.utc) - timedelta(days=days)


def daily_costs(today: date, days_back: int = 60, days_ahead: int = 3) -> list[tuple[date, float]]:
    rng = random.Random(42)
    start = today - timedelta(days=days_back)
    return [
        (start + timedelta(days=i), round(DAILY_COST_USD * rng.uniform(0.93, 1.05), 2))
        for i in range(days_back + days_ahead)
    ]


def _day(day: date, usd: float) -> dict:
    return {
        "TimePeriod": {"Start": day.isoformat(), "End": (day + timedelta(days=1)).isoformat()},
        "Total": {"UnblendedCost": {"Amount": f"{usd:.2f}", "Unit": "USD"}},
        "Groups": [],
        "Estimated": False,
    }
