"""The local console: the same commands, buttons and forms, in a terminal or from a script."""
