"""A diagnostic for bench/ack.py --bot-on bjoern: the bot's WSGI app (the same Bot as `llmbot serve`:
store, worker, outbox, scheduler) served by bjoern instead of bot/http_server.py, to split the bot's
cost into its own work and its HTTP layer's. bjoern has no request or idle timeouts and no probe
listener, so this is never how the bot should run. Usage: python bench/bot_on_bjoern.py CONFIG"""

import sys

import bjoern

from bot import config, logs
from bot.app import Bot

settings = config.load(sys.argv[1])
logs.configure([])
bot = Bot(settings)
bot.start()
bjoern.run(bot.http, settings.server.host, settings.server.port)
