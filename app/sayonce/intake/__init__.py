"""Getting data in: file importers (JSON Lines, CSV) and the live intake of calls and chats."""
