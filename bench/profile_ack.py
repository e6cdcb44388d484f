"""Where an ack's CPU goes: the bot's WSGI app (no sockets, no waitress) called in-process with
signed `/llm help` requests under cProfile; prints the top functions by cumulative and own time.
Usage: python bench/profile_ack.py [--requests 3000] [--text help]"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path

from bot import config
from bot.app import Bot
from sandbox.platform import Sandbox

sys.path.insert(0, str(Path(__file__).parent))
from signed import slash_requests  # noqa: E402


def environ(body: bytes, headers: dict[str, str]) -> dict:
    env = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": headers["Content-Type"],
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    env.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items() if k != "Content-Type"})
    return env


def _timed(call, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        call()
    return (time.perf_counter() - started) / count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--text", default="help")
    parser.add_argument("--plain", action="store_true", help="time without cProfile")
    args = parser.parse_args()
    with Sandbox(with_prometheus=False) as sb, tempfile.TemporaryDirectory() as tmp:
        bot = Bot(config.Settings.model_validate(sb.config(db=Path(tmp) / "llmbot.db")))
        batch = iter(slash_requests(sb.signing_secret, args.requests + 200, args.text))  # each signed once
        call = lambda: b"".join(bot.http(environ(*next(batch)), lambda status, hdrs: None))  # noqa: E731
        for _ in range(200):  # warm: auth.test, imports, caches
            call()
        if args.plain:  # the best of 5 rounds: the box is shared, the minimum is the code's own cost
            batch = iter(slash_requests(sb.signing_secret, 5 * args.requests, args.text))
            best = min(_timed(call, args.requests) for _ in range(5))
            print(
                f"{args.requests} in-process `/llm {args.text}` requests, "
                f"best of 5: {1000 * best:.3f} ms each"
            )
        else:
            profile = cProfile.Profile()
            started = time.perf_counter()
            profile.enable()
            for _ in range(args.requests):
                call()
            profile.disable()
            elapsed = (time.perf_counter() - started) / args.requests
            print(
                f"{args.requests} `/llm {args.text}`: {1000 * elapsed:.3f} ms each under cProfile (about 2x)"
            )
        if not args.plain:
            stats = pstats.Stats(profile)
            stats.sort_stats("cumulative").print_stats(35)
            stats.sort_stats("tottime").print_stats(25)
        bot.store.close()  # workers were never started; only the store holds a resource
    return 0


if __name__ == "__main__":
    sys.exit(main())
