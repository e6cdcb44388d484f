"""The `llmbot` console script: serve, sandbox, demo, config check, and read-only commands for a
terminal (`llmbot status`). Errors a person can fix are one line on stderr and exit code 2."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading

from bot import config as cfg
from integrations.errors import IntegrationError


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except cfg.ConfigError as exc:
        for problem in exc.problems:
            print(f"llmbot: config: {problem}", file=sys.stderr)
        return 2
    except IntegrationError as exc:  # a client could not even be built: say which and why
        print(f"llmbot: cannot start: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="llmbot", description="Chat-ops for the LLM platform.")
    parser.add_argument(
        "--config", default=os.environ.get("LLMBOT_CONFIG"), help="YAML config file (default: $LLMBOT_CONFIG)"
    )
    # `--config` is also taken after the subcommand (`llmbot serve --config X`), as people type it
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", default=argparse.SUPPRESS, help="YAML config file (default: $LLMBOT_CONFIG)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve_cmd = sub.add_parser("serve", parents=[common], help="run the bot's HTTP server")
    serve_cmd.add_argument(
        "--socket-mode", action="store_true", help="receive Slack over Socket Mode (SLACK_APP_TOKEN)"
    )
    serve_cmd.set_defaults(func=serve)
    sandbox = sub.add_parser("sandbox", parents=[common], help="run the simulated platform on loopback")
    sandbox.add_argument("--config-out", required=True, help="where to write a bot config for the sandbox")
    sandbox.set_defaults(func=run_sandbox)
    demo = sub.add_parser("demo", parents=[common], help="sandbox + bot + a terminal chat")
    demo.add_argument("--user", default="U0OPS1", help="Slack user id to type as (U0OPS1, U0OPS2, U0VIEW)")
    demo.set_defaults(func=run_demo)
    config = sub.add_parser("config", help="configuration tools").add_subparsers(dest="action", required=True)
    config.add_parser("check", parents=[common], help="validate the config; list every problem").set_defaults(
        func=config_check
    )
    status = sub.add_parser(
        "status", parents=[common], help="the morning check in a terminal; exit 0 when all pass"
    )
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(func=status_cmd)
    report = sub.add_parser("report", help="reports as Markdown on stdout").add_subparsers(
        dest="report", required=True
    )
    report.add_parser("weekly", parents=[common], help="the weekly performance report").set_defaults(
        func=report_weekly
    )
    return parser


def config_check(args) -> int:
    try:
        settings = cfg.load(args.config)
    except cfg.ConfigError as exc:
        problems = exc.problems
        settings = None
    else:
        problems = cfg.serve_problems(settings)
    for problem in problems:
        print(f"✗ {problem}")
    if settings is not None:
        print(json.dumps(cfg.masked(settings), indent=2, default=str))
    print("config OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


def serve(args) -> int:
    from bot import logs
    from bot.app import Bot, RunningServer

    settings = cfg.load(args.config)
    if args.socket_mode:
        settings = settings.model_copy(
            update={"slack": settings.slack.model_copy(update={"socket_mode": True})}
        )
    problems = cfg.serve_problems(settings)
    if problems:
        print(f"llmbot: cannot start: {problems[0]}", file=sys.stderr)
        return 2
    logs.configure(_secrets(settings))
    server = RunningServer(Bot(settings), settings.server.host, settings.server.port).start()
    probes = f" (probes on {server.health.url})" if server.health else ""
    print(f"llmbot serving on {server.url}{probes}", flush=True)
    _wait_for_signal()
    server.stop()
    return 0


def status_cmd(args) -> int:
    from bot.clients import build_deps
    from commands import status

    deps = build_deps(cfg.load(args.config))
    report = status.run(status.StatusRequest(), deps)
    print(report.model_dump_json(indent=2) if args.json else status.render_text(report))
    deps.pool.shutdown(wait=False, cancel_futures=True)
    return 0 if report.healthy else 1


def report_weekly(args) -> int:
    """The manual's generate-weekly-report.sh: this week against last, as Markdown."""
    from bot.clients import build_deps
    from commands import weekly

    deps = build_deps(cfg.load(args.config))
    print(weekly.render_text(weekly.run(weekly.ReportWeeklyRequest(), deps)))
    deps.pool.shutdown(wait=False, cancel_futures=True)
    return 0


def run_sandbox(args) -> int:
    from sandbox.platform import Sandbox

    with Sandbox() as sandbox:
        sandbox.write_config(args.config_out)
        print(f"sandbox ready; bot config written to {args.config_out}", flush=True)
        _wait_for_signal()
    return 0


def run_demo(args) -> int:
    from sandbox.demo import run

    return run(user=args.user)


def _secrets(settings: cfg.Settings) -> list[str]:
    values = [
        settings.slack.bot_token,
        settings.slack.app_token,
        settings.slack.signing_secret,
        settings.pagerduty.api_token,
        settings.aws.secret_access_key,
        *settings.pagerduty.webhook_secrets,
    ]
    return [v.get_secret_value() for v in values if v is not None]


def _wait_for_signal() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


if __name__ == "__main__":
    sys.exit(main())
