from tests.support import Chat


async def test_console_demo_reaches_four_percent(chat: Chat) -> None:
    await chat.say("alice", '/coalition create "Clean Air"')
    await chat.say("alice", '/goal add "Calls" target=1000 unit=calls')
    await chat.say("alice", "/checkin 40")
    status = await chat.say("alice", "/coalition status")
    assert "40 / 1,000 calls (4%)" in status.plain()
