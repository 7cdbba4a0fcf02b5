"""Files into Slack (charts, .ics files, exports), several in one message: the three steps of
slack_sdk's ``files_upload_v2`` — ``files.getUploadURLExternal`` for each file, its bytes sent to
the URL Slack gave, then one ``files.completeUploadExternal`` — except that ``files_upload_v2``
reads every file whole into memory first. Here a file on disk (an export:
:class:`~bot.core.ui.Attachment` with a ``path``) goes from disk a chunk at a time (aiohttp reads
it off the event loop), so sending an export holds no more of it in memory than a chunk."""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.ui import Attachment

MOST_FILES = 10  # files.completeUploadExternal shares at most 10 files in one message
SEND_TIMEOUT = 600  # seconds for one file's bytes: a large export over a slow link
SEND_TRIES = 3  # a connection error or a 5xx while sending the bytes is tried again from the start


async def upload(client: AsyncWebClient, channel: str, files: list[Attachment]) -> None:
    """``files`` (the first ten) shared in ``channel`` as one message."""
    if not files:
        return
    shared = []
    for attachment in files[:MOST_FILES]:
        slot = await client.files_getUploadURLExternal(filename=attachment.filename, length=attachment.size)
        await send_bytes(client, str(slot["upload_url"]), attachment)
        shared.append({"id": slot["file_id"], "title": attachment.title or attachment.filename})
    await client.files_completeUploadExternal(files=shared, channel_id=channel)


async def send_bytes(client: AsyncWebClient, url: str, attachment: Attachment) -> None:
    """The file's bytes to its upload URL, streamed from where they are (disk or memory)."""
    timeout = aiohttp.ClientTimeout(total=SEND_TIMEOUT)
    for attempt in range(1, SEND_TRIES + 1):
        try:
            with attachment.open() as handle:
                async with (
                    aiohttp.ClientSession(timeout=timeout) as session,
                    session.post(url, data=handle, proxy=client.proxy, ssl=client.ssl or True) as response,
                ):
                    status = response.status
        except (aiohttp.ClientError, TimeoutError):
            if attempt == SEND_TRIES:
                raise
            continue
        if status == 200:
            return
        if status < 500 or attempt == SEND_TRIES:
            raise SlackApiError(f"file upload answered {status}", {"ok": False, "error": "upload_failed"})
