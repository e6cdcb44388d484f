"""The watch engine's steps for nodes: NotReady and memory or disk pressure posted per node and
resolved when the condition clears or the node leaves; a GPU node that leaves is a problem of its own,
resolved when it joins again, also when it left while the bot was not watching."""

import pytest

from tests.bot.watch.engine import Engine, posts, words
from tests.bot.watch.objects import GPU_NODE, changed, node, relisted


@pytest.fixture
def engine(tmp_path):
    return Engine(tmp_path / "db")


def test_a_node_not_ready_is_posted_and_resolved_when_ready_again(engine):
    [post] = posts(engine.see(changed(node(ready=False), kind="Node")))
    assert post.key == f"kube:Node/{GPU_NODE}:NotReady:1"
    assert post.body["text"] == f"🔴 Node NotReady: node {GPU_NODE}"
    assert [b["text"]["text"] for b in post.body["blocks"][-1]["elements"]] == ["Events", "Describe"]
    [edit] = posts(engine.later(60).see(changed(node(), kind="Node")), "chat.update")
    assert "the node is Ready again" in words(edit)


def test_memory_and_disk_pressure_are_two_messages_resolved_one_by_one(engine):
    fx = engine.see(changed(node(memory=True, disk=True), kind="Node"))
    assert [p.key.split(":")[2] for p in posts(fx)] == ["MemoryPressure", "DiskPressure"]
    [edit] = posts(engine.later(60).see(changed(node(disk=True), kind="Node")), "chat.update")
    assert ":MemoryPressure:" in edit.key and "memory pressure is over" in words(edit)


def test_a_gpu_node_that_leaves_is_posted_and_resolved_when_it_joins_again(engine):
    engine.see(relisted("Node", node(), node(name="sys", gpus=0)))
    [post] = posts(engine.see(changed(node(), kind="Node", type="DELETED")))
    assert post.key == f"kube:Node/{GPU_NODE}:GpuNodeLeft:1"
    assert "8 GPUs of node group a100-node-group (p4d.24xlarge) are gone" in words(post)
    assert posts(engine.see(changed(node(name="sys", gpus=0), kind="Node", type="DELETED"))) == []
    [edit] = posts(engine.later(600).see(changed(node(), kind="Node", type="ADDED")), "chat.update")
    assert "the node joined again" in words(edit)


def test_a_not_ready_node_that_leaves_is_resolved_as_gone(engine):
    engine.see(changed(node(ready=False), kind="Node"))
    fx = engine.see(changed(node(ready=False), kind="Node", type="DELETED"))
    [edit] = [e for e in posts(fx, "chat.update") if ":NotReady:" in e.key]
    assert "the node left the cluster" in words(edit)


def test_a_gpu_node_that_left_while_the_bot_was_away_is_found_by_the_relist(engine):
    engine.see(relisted("Node", node(), node(name="ip-10-0-1-12.ec2.internal")))
    [post] = posts(engine.see(relisted("Node", node())))
    assert post.key == "kube:Node/ip-10-0-1-12.ec2.internal:GpuNodeLeft:1"
    assert posts(engine.see(relisted("Node", node()))) == []  # known as gone: not posted again
