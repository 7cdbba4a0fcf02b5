"""The fake Slack's side of setting an app up: the scopes a bot token carries (``X-OAuth-Scopes``,
``missing_scope`` with ``needed``/``provided``) and the App Manifest API (``apps.manifest.validate``,
``apps.manifest.create``) that takes a configuration token."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from bot.adapters.slack.app import BOT_SCOPES

JSON = dict[str, Any]
ALL_SCOPES: tuple[str, ...] = tuple(BOT_SCOPES)
CONFIG_TOKEN = "xoxe.xoxp-1-fake-configuration-token"
# The scope each method needs (conversations.info: the one for the kind of channel asked about).
NEEDED = {
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "users.info": "users:read",
    "conversations.open": "im:write",
    "files.getUploadURLExternal": "files:write",
}
_apps = itertools.count(1)


def missing_scope(method: str, scopes: tuple[str, ...], args: JSON, channels: dict[str, JSON]) -> JSON | None:
    needed = NEEDED.get(method)
    if method == "conversations.info":
        channel = channels.get(str(args.get("channel", "")), {})
        needed = "groups:read" if channel.get("is_private") else "channels:read"
    if needed is None or needed in scopes:
        return None
    return {"ok": False, "error": "missing_scope", "needed": needed, "provided": ",".join(scopes)}


@dataclass
class ManifestApps:
    """Apps created from manifests; ``tokens`` are the configuration tokens Slack would accept."""

    tokens: set[str] = field(default_factory=lambda: {CONFIG_TOKEN})
    created: list[JSON] = field(default_factory=list)
    validated: list[JSON] = field(default_factory=list)

    def call(self, method: str, token: str, args: JSON) -> JSON:
        if token not in self.tokens:
            return {"ok": False, "error": "invalid_auth" if token else "not_authed"}
        import json

        raw = args.get("manifest", "")
        try:
            manifest = json.loads(raw) if isinstance(raw, str) else dict(raw)
        except ValueError:
            return {"ok": False, "error": "invalid_manifest", "errors": [{"message": "not JSON", "pointer": "/"}]}
        errors = problems(manifest)
        if method == "apps.manifest.validate":
            self.validated.append(manifest)
            return {"ok": not errors, **({"error": "invalid_manifest", "errors": errors} if errors else {})}
        if method != "apps.manifest.create":
            return {"ok": False, "error": "unknown_method"}
        if errors:
            return {"ok": False, "error": "invalid_manifest", "errors": errors}
        app_id = f"A{next(_apps):04d}NEW"
        self.created.append(manifest)
        return {
            "ok": True,
            "app_id": app_id,
            "credentials": {
                "client_id": f"{next(_apps)}.{next(_apps)}",
                "client_secret": f"fake-secret-{app_id}",
                "verification_token": "fake-verification",
                "signing_secret": f"fake-signing-{app_id}",
            },
            "oauth_authorize_url": f"https://slack.com/oauth/v2/authorize?client_id=1.2&scope=commands&app={app_id}",
        }


def problems(manifest: JSON) -> list[JSON]:
    """What Slack's validation rejects that a generated manifest could get wrong."""
    errors: list[JSON] = []
    name = manifest.get("display_information", {}).get("name", "")
    if not name or len(name) > 35:
        errors.append({"message": "name must be 1-35 characters", "pointer": "/display_information/name"})
    if manifest.get("settings", {}).get("socket_mode_enabled"):
        return errors
    urls = [c.get("url", "") for c in manifest.get("features", {}).get("slash_commands", [])]
    urls.append(manifest.get("settings", {}).get("event_subscriptions", {}).get("request_url", ""))
    for url in urls:
        if not str(url).startswith("https://") or "YOUR-HOST" in str(url):
            errors.append({"message": f"invalid url {url!r}", "pointer": "/settings"})
            break
    return errors
