"""The baseline for bench/ack.py: a bare Bolt app with one /llm listener that acks "ok", served by
waitress with the bot's thread count. Its Web API client points at the sandbox's Slack stand-in, as
the bot's does (Bolt calls auth.test once, on the first request).
Usage: python bench/bare_app.py PORT SIGNING_SECRET THREADS SLACK_API_URL BOT_TOKEN"""

import sys

import waitress
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

port, secret, threads, api_url, token = (
    int(sys.argv[1]),
    sys.argv[2],
    int(sys.argv[3]),
    sys.argv[4],
    sys.argv[5],
)
app = App(
    signing_secret=secret,
    client=WebClient(token=token, base_url=api_url),
    process_before_response=True,
    token_verification_enabled=False,
)


@app.command("/llm")
def on_llm(ack):
    ack("ok")


waitress.serve(SlackRequestHandler(app), host="127.0.0.1", port=port, threads=threads, ident="bare")
