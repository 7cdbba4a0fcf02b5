"""docs/commands.md, generated from the registry so the reference never drifts from the code."""

from __future__ import annotations

from bot.core.registry import Registry


def commands_markdown(registry: Registry) -> str:
    lines = [
        "# Commands",
        "",
        "Generated from the command registry (`UPDATE_DOCS=1 ./dev test tests/test_docs.py` rewrites it).",
        "On Slack and in the console, type the text grammar below. On Discord the same words are",
        "subcommand groups and subcommands, and each argument is an option of the same name.",
        "",
        'Arguments: `key=value` pairs, `"quoted strings"`, dates as `YYYY-MM-DD`, times as `HH:MM` in',
        "your time zone unless `tz=Area/City` is given. Every command has `help`.",
        "",
    ]
    for command in registry:
        lines += [
            f"## /{command.name}",
            "",
            command.summary + ".",
            "",
            "| usage | what it does | who | options |",
            "|---|---|---|---|",
        ]
        for sub in command.subcommands.values():
            who = "everyone" if len(sub.roles) == 4 else ", ".join(sorted(r.value for r in sub.roles))
            options = ", ".join(f"`{p.name}`" + ("" if p.required else "?") for p in sub.params) or "—"
            usage = sub.usage.replace("|", "\\|")
            lines.append(f"| `{usage}` | {sub.summary} | {who} | {options} |")
        lines.append("")
        example = getattr(command, "example", "")  # a console session a newcomer can paste
        if example:
            lines += [example.strip("\n"), ""]
    return "\n".join(lines)
