"""Before a change runs, its check re-reads the world and names what moved since the plan; a run
resumed after a restart finds the change's own target and stays quiet. Scale, deploy and rollback,
planned and checked through the real clients against the sandbox's Kubernetes stand-in."""

from commands import deploy, scale
from commands.change import ChangePlan, load_plan
from tests.commands.conftest import cloned
from tests.kube_support import NS, eventually

IMAGE = "ghcr.io/example/rag-service"


def stored(plan: ChangePlan, spec) -> ChangePlan:
    """The plan as execution sees it: stored as JSON with the approval, typed again."""
    return load_plan(plan.model_dump(mode="json"), spec.plan_data)


def test_scale_names_a_replica_count_someone_else_changed_and_ignores_its_own_target(deps, kube):
    with cloned(kube, "chk-scale", replicas=2):
        plan = stored(scale.plan(scale.ScaleRequest(deployment="chk-scale", replicas=3), deps), scale.SPEC)
        assert scale.check(plan, deps) == []
        kube.scale_deployment(NS, "chk-scale", 5)
        assert scale.check(plan, deps) == ["chk-scale has 5 replicas now, planned against 2"]
        kube.scale_deployment(NS, "chk-scale", 3)  # the change itself, applied before a restart
        assert scale.check(plan, deps) == []
    assert scale.check(plan, deps) == ["deployment chk-scale no longer exists"]


def test_deploy_names_an_image_someone_else_rolled_out_and_ignores_its_own(deps, kube):
    with cloned(kube, "chk-deploy"):
        request = deploy.DeployRequest(deployment="chk-deploy", image=f"{IMAGE}:1.5.0")
        plan = stored(deploy.plan_deploy(request, deps), deploy.DEPLOY)
        kube.set_image(NS, "chk-deploy", f"{IMAGE}:1.6.0")
        assert deploy.check_deploy(plan, deps) == [
            f"chk-deploy runs {IMAGE}:1.6.0 now, planned against {IMAGE}:1.4.2"
        ]
        kube.set_image(NS, "chk-deploy", f"{IMAGE}:1.5.0")
        assert deploy.check_deploy(plan, deps) == []


def test_rollback_names_a_newer_revision_and_ignores_the_old_template_back_in_place(deps, kube):
    with cloned(kube, "chk-rollback"):
        roll_to(kube, f"{IMAGE}:1.5.0", 2)
        request = deploy.RollbackRequest(deployment="chk-rollback")
        plan = stored(deploy.plan_rollback(request, deps), deploy.ROLLBACK)
        assert plan.data.images == [f"{IMAGE}:1.4.2"] and deploy.check_rollback(plan, deps) == []
        roll_to(kube, f"{IMAGE}:1.6.0", 3)
        assert deploy.check_rollback(plan, deps) == [
            f"chk-rollback is at revision 3 now ({IMAGE}:1.6.0), planned against revision 2"
        ]
        again = stored(deploy.plan_rollback(request, deps), deploy.ROLLBACK)
        kube.apply_template(NS, "chk-rollback", again.data.template)  # applied before a restart
        eventually(lambda: kube.revisions(NS, "chk-rollback")[0].images == [f"{IMAGE}:1.5.0"])
        assert deploy.check_rollback(again, deps) == []


def roll_to(kube, image: str, revision: int) -> None:
    kube.set_image(NS, "chk-rollback", image)
    eventually(lambda: [r.number for r in kube.revisions(NS, "chk-rollback")][:1] == [revision])
