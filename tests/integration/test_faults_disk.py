"""The disk under the queue fills up: state_dir is a small tmpfs (mounted in the test's own mount
namespace). Once a message no longer fits, the relay answers 452 4.3.1 (RFC 3463: insufficient
system storage) instead of 250, keeps serving, and accepts mail again as soon as space returns.
Every message that got 250 is still there after a restart on a larger disk, and SQLite finds the
queue intact."""

import os
import subprocess

import harness
from harness import RawSmtp, RelayTestCase, message_bytes

TMPFS_SIZE = 4 * 1024 * 1024
BALLAST = 1024 * 1024      # a file the test removes to give space back
BODY_LINES = 2000           # about 150 KiB per message


class DiskFullTest(RelayTestCase):
    def mount_tmpfs(self, path):
        os.makedirs(path)
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE},mode=0700", "tmpfs",
                        path], check=True)
        self.addCleanup(subprocess.run, ["umount", "-l", path], check=False)

    def send(self, relay, n):
        """One message; the reply to its final "." (or to the first command refused)."""
        subject = f"disk m{n}"
        content = message_bytes("alice@example.org", ["bob@example.com"], subject,
                                [f"{n:06d} " + "x" * 64 for _ in range(BODY_LINES)])
        with RawSmtp(relay.port) as s:
            s.greeting_and_ehlo()
            for command in ("MAIL FROM:<alice@example.org>", "RCPT TO:<bob@example.com>",
                            "DATA"):
                reply = s.command(command)
                if reply.code >= 400:
                    return subject, reply
            s.send(content + b".\r\n")
            return subject, s.reply()

    def test_full_disk_answers_452_4_3_1_and_recovers(self):
        state = os.path.join(self.workdir, "state")
        self.mount_tmpfs(state)
        ballast = os.path.join(state, "ballast")
        with open(ballast, "wb") as f:
            f.write(b"\0" * BALLAST)
        relay = self.start_relay({"queue": {"state_dir": state}})

        accepted = []
        refusal = None
        for n in range(200):  # the tmpfs holds about 20; the bound only guards the loop
            subject, reply = self.send(relay, n)
            if reply.code == 250:
                accepted.append(subject)
                continue
            refusal = reply
            break
        self.assertIsNotNone(refusal, "the tmpfs never filled up")
        self.assertGreater(len(accepted), 0, f"nothing fitted at all: {refusal}")
        self.assertReply(refusal, 452, "4.3.1")
        print(f"\ndisk full after {len(accepted)} messages: {refusal}", flush=True)

        # Still serving: a new session is greeted and the next message is refused the same way.
        _, again = self.send(relay, 1000)
        self.assertReply(again, 452, "4.3.1")

        # Space returns: mail is accepted again.
        os.remove(ballast)
        subject, reply = self.send(relay, 2000)
        self.assertReply(reply, 250)
        accepted.append(subject)

        self.assertEqual(relay.stop(), 0)
        # The administrator makes room (the volume grows): the queue's write-ahead log, which
        # could not be folded into the database while the disk was full, now can be.
        subprocess.run(["mount", "-o", f"remount,size={4 * TMPFS_SIZE}", state], check=True)
        check = subprocess.run(["sqlite3", os.path.join(state, "queue.db"),
                                "PRAGMA integrity_check;"], capture_output=True, text=True)
        self.assertEqual(check.stdout.strip(), "ok", check.stdout + check.stderr)
        relay.start()
        queued = sorted(m["id"] for m in relay.queue_list())
        self.assertEqual(len(queued), len(accepted), "every message that got 250, and no other")
        for queue_id in queued:
            self.assertIn("Subject: disk m", relay.stored_headers(queue_id))


if __name__ == "__main__":
    harness.main()
