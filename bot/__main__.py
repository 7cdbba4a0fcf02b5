import sys

from bot.cli import main

if __name__ == "__main__":  # a chart worker process (bot.core.offload, spawn) imports this module too
    sys.exit(main())
