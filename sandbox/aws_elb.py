"""Load balancers for the sandbox's moto: one with no targets (unused: waste), one whose only target is
a stopped instance (registered but none healthy: an outage), one with a running target (healthy).
moto reports a registered instance `healthy` while it runs and `unused` (Target.InvalidState) once
stopped; it cannot fail a health check, so a stopped instance is how the sandbox makes an outage."""

from __future__ import annotations

from typing import Literal

Targets = Literal["none", "healthy", "stopped"]
CIDR = "10.1.0.0/16"
AMI = "ami-12c6146b"  # one of moto's built-in images


def network(aws) -> tuple[str, list[str]]:
    """The sandbox's load balancer VPC and its two subnets, created on first use."""
    ec2 = aws.client("ec2")
    found = ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": [CIDR]}])["Vpcs"]
    if found:
        vpc = found[0]["VpcId"]
        subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
        return vpc, sorted(s["SubnetId"] for s in subnets)
    vpc = ec2.create_vpc(CidrBlock=CIDR)["Vpc"]["VpcId"]
    region = ec2.meta.region_name
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.1.{i}.0/24", AvailabilityZone=f"{region}{zone}")[
            "Subnet"
        ]["SubnetId"]
        for i, zone in enumerate("ab")
    ]
    return vpc, subnets


def add_load_balancer(aws, name: str, targets: Targets) -> None:
    """An application load balancer `name` forwarding port 80 to a target group of the same name."""
    vpc, subnets = network(aws)
    elb = aws.client("elbv2")
    lb = elb.create_load_balancer(Name=name, Subnets=subnets, Type="application")["LoadBalancers"][0]
    group = elb.create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]
    elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group["TargetGroupArn"]}],
    )
    if targets == "none":
        return
    ec2 = aws.client("ec2")
    instance = ec2.run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1, InstanceType="m5.large", SubnetId=subnets[0]
    )["Instances"][0]["InstanceId"]
    elb.register_targets(TargetGroupArn=group["TargetGroupArn"], Targets=[{"Id": instance, "Port": 80}])
    if targets == "stopped":
        ec2.stop_instances(InstanceIds=[instance])


def remove_load_balancer(aws, name: str) -> None:
    """Delete `name`, its target groups and the instances behind it (their root volumes go with them)."""
    elb = aws.client("elbv2")
    lb = elb.describe_load_balancers(Names=[name])["LoadBalancers"][0]
    groups = elb.describe_target_groups(LoadBalancerArn=lb["LoadBalancerArn"])["TargetGroups"]
    for group in groups:
        health = elb.describe_target_health(TargetGroupArn=group["TargetGroupArn"])
        instances = [t["Target"]["Id"] for t in health["TargetHealthDescriptions"]]
        if instances:
            aws.client("ec2").terminate_instances(InstanceIds=instances)
    elb.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
    for group in groups:
        elb.delete_target_group(TargetGroupArn=group["TargetGroupArn"])
