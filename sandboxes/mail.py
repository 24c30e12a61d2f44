"""A stand-in for citizens' mail servers: real SMTP on loopback (aiosmtpd).

It accepts mail for any address and keeps each message in var/sandbox/mail.jsonl
(`cityhub sandbox mail ADDRESS` prints what an address received), except for the
test addresses (documented in README.md), which answer as real servers do:

    bounce@example.com   550 mailbox unavailable   (a permanent failure)
    full@example.com     452 mailbox full          (a temporary failure)

Runs in a process of its own (`python -m sandboxes.mail DIR HOST PORT`, started by
`cityhub sandbox serve`): aiosmtpd runs on asyncio, which the eventlet-patched
sandbox process cannot host.
"""

import json
import sys
import time
from email import message_from_bytes, policy
from pathlib import Path

BOUNCE = "bounce@example.com"
FULL = "full@example.com"
ANSWERS = {BOUNCE: "550 5.1.1 mailbox unavailable", FULL: "452 4.2.2 mailbox full"}


def log_file(data_dir: Path) -> Path:
    return data_dir / "mail.jsonl"


class Mailboxes:
    """The aiosmtpd handler: refuses the test addresses, stores the rest."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = ANSWERS.get(address.lower())
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        body = message.get_body(preferencelist=("plain",))
        for recipient in envelope.rcpt_tos:
            record = {"to": recipient, "from": envelope.mail_from,
                      "subject": str(message["Subject"]),
                      "message_id": str(message["Message-ID"]),
                      "text": body.get_content() if body else "", "received_at": time.time()}
            with log_file(self.data_dir).open("a", encoding="utf-8") as log:
                log.write(json.dumps(record, ensure_ascii=False) + "\n")
        return "250 Message accepted for delivery"


def messages_to(data_dir: Path, address: str) -> list[dict]:
    """What the sandbox received for `address`, oldest first."""
    path = log_file(data_dir)
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [m for m in map(json.loads, lines) if m["to"].lower() == address.lower()]


def serve(data_dir: Path, host: str, port: int) -> None:
    import asyncio

    from aiosmtpd.controller import Controller

    controller = Controller(Mailboxes(data_dir), hostname=host, port=port)
    controller.start()
    try:
        asyncio.run(asyncio.Event().wait())  # until the process is stopped
    finally:
        controller.stop()


if __name__ == "__main__":
    serve(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]))
