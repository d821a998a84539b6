"""Discord front end: slash commands, mentions and ask-channels over ``NewsService``.

Importing this package does nothing; ``bot.discord_adapter.runner.run_discord`` starts the bot.
"""
