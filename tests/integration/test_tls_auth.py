"""STARTTLS (RFC 3207) and AUTH (RFC 4954) against the real daemon: the Received: header records
the TLS version and cipher the client negotiated, commands pipelined behind STARTTLS are dropped,
AUTH exists only inside TLS and lets an authenticated client relay from anywhere."""

import base64
import os
import smtplib
import ssl

import harness
from harness import (OTHER_CLIENT, RawSmtp, RelayTestCase, client_tls_context, header_fields,
                     message_bytes)

USER, PASSWORD = "alice", "correct horse battery staple"


def auth_plain(user, password):
    return base64.b64encode(f"\0{user}\0{password}".encode()).decode()


class StartTlsTest(RelayTestCase):
    def send_over_tls(self, relay, tls_version):
        context = client_tls_context(self.ca.pem)
        context.minimum_version = context.maximum_version = tls_version
        content = message_bytes("a@example.org", ["b@example.com"], "tls", ["over TLS"])
        with harness.smtplib_client(relay.port) as client:
            client.ehlo("client.example.org")
            self.assertTrue(client.has_extn("starttls"))
            client.starttls(context=context)  # verifies the chain and 127.0.0.1 in the SAN
            negotiated = client.sock.version(), client.sock.cipher()[0]
            client.ehlo("client.example.org")
            self.assertEqual(client.sendmail("a@example.org", ["b@example.com"], content), {})
        return negotiated

    def test_received_header_says_esmtps_with_the_negotiated_version_and_cipher(self):
        relay = self.start_relay(tls=True)
        for tls_version in (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2):
            with self.subTest(tls_version=tls_version.name):
                version, cipher = self.send_over_tls(relay, tls_version)
                [message] = relay.queue_list()
                received = header_fields(relay.stored_headers(message["id"]), "Received")[0]
                self.assertRegex(received, r"\bwith ESMTPS\b")
                self.assertIn(version, received)  # "TLSv1.3" as OpenSSL names it
                self.assertIn(cipher, received)
                relay.cli("queue", "delete", message["id"])

    def test_swaks_starttls_message_is_queued(self):
        relay = self.start_relay(tls=True)
        result = harness.swaks(relay.port, "--tls", "--header", "Subject: swaks tls")
        self.assertEqual(result.returncode, 0, result.transcript)
        self.assertTrue(result.has_reply(r"220 2\.0\.0"), result.transcript)
        [message] = relay.queue_list()
        received = header_fields(relay.stored_headers(message["id"]), "Received")[0]
        self.assertRegex(received, r"\bwith ESMTPS\b")

    def test_commands_pipelined_behind_starttls_are_discarded(self):
        relay = self.start_relay(tls=True)
        with RawSmtp(relay.port) as s:
            s.greeting_and_ehlo()
            # RFC 3207 §6 (and CVE-2011-0411): what came in the same packet as STARTTLS must not
            # run inside the TLS session.
            s.send(b"STARTTLS\r\nMAIL FROM:<injected@example.org>\r\n")
            self.assertReply(s.reply(), 220)
            s.starttls(client_tls_context(self.ca.pem), "relay.test")
            # Had the injected MAIL run, its reply (503 before EHLO) would come first here.
            ehlo = s.command("EHLO client.example.org")
            self.assertReply(ehlo, 250)
            self.assertTrue(ehlo.lines[0].startswith("relay.test"), ehlo)
            # And a MAIL inside TLS is not a nested MAIL.
            self.assertReply(s.command("MAIL FROM:<real@example.org>"), 250)
            self.assertReply(s.command("NOOP"), 250)

    def test_session_resets_after_starttls(self):
        relay = self.start_relay(tls=True)
        with RawSmtp(relay.port) as s:
            s.greeting_and_ehlo()
            self.assertReply(s.command("STARTTLS"), 220)
            s.starttls(client_tls_context(self.ca.pem), "relay.test")
            # RFC 3207 §4.2: the client must EHLO again; the server forgets the first one.
            self.assertEqual(s.command("MAIL FROM:<a@example.org>").code, 503)
            ehlo = s.command("EHLO client.example.org")
            self.assertReply(ehlo, 250)
            self.assertNotIn("STARTTLS", [line.split()[0].upper() for line in ehlo.lines[1:]])


class AuthTest(RelayTestCase):
    def start_auth_relay(self, **server):
        users = os.path.join(self.workdir, "users")
        harness.add_user(users, USER, PASSWORD)
        return self.start_relay({
            "server": server,
            # Only 127.0.0.1 may relay without AUTH; clients on 127.0.0.2 must authenticate.
            "relay": {"allow_networks": ["127.0.0.1/32"], "auth_users_file": users},
        }, tls=True)

    def test_auth_is_not_offered_and_refused_without_tls(self):
        relay = self.start_auth_relay()
        with RawSmtp(relay.port, source=OTHER_CLIENT) as s:
            ehlo = s.greeting_and_ehlo()
            self.assertNotIn("AUTH", [line.split()[0].upper() for line in ehlo.lines[1:]])
            reply = s.command(f"AUTH PLAIN {auth_plain(USER, PASSWORD)}")
            # RFC 4954 §4 and §6: 538 5.7.11 "encryption required"; never 235.
            self.assertReply(reply, 538, "5.7.11")
            self.assertEqual(s.command("MAIL FROM:<a@example.org>").code, 250)
            self.assertReply(s.command("RCPT TO:<b@example.com>"), 554, "5.7.1")

        result = harness.swaks(relay.port, "--auth", "PLAIN", "--auth-user", USER,
                               "--auth-password", PASSWORD, "--local-interface", OTHER_CLIENT)
        self.assertNotEqual(result.returncode, 0, result.transcript)
        self.assertQueueEmpty(relay)

    def test_auth_plain_over_tls_relays_from_a_network_that_is_not_allowed(self):
        relay = self.start_auth_relay()
        result = harness.swaks(relay.port, "--tls", "--auth", "PLAIN", "--auth-user", USER,
                               "--auth-password", PASSWORD, "--local-interface", OTHER_CLIENT,
                               "--header", "Subject: authenticated")
        self.assertEqual(result.returncode, 0, result.transcript)
        self.assertTrue(result.has_reply(r"235 2\.7\.0"), result.transcript)
        [message] = relay.queue_list()
        self.assertEqual([r["address"] for r in message["recipients"]], ["rcpt@example.com"])
        received = header_fields(relay.stored_headers(message["id"]), "Received")[0]
        self.assertIn(f"[{OTHER_CLIENT}]", received)
        self.assertRegex(received, r"\bwith ESMTPSA\b")

    def test_auth_login_over_tls_with_smtplib(self):
        relay = self.start_auth_relay()
        with harness.smtplib_client(relay.port, source=OTHER_CLIENT) as client:
            client.starttls(context=client_tls_context(self.ca.pem))
            client.ehlo("client.example.org")
            self.assertIn("LOGIN", client.esmtp_features["auth"].upper().split())
            self.assertIn("PLAIN", client.esmtp_features["auth"].upper().split())
            client.user, client.password = USER, PASSWORD
            code, _ = client.auth("LOGIN", client.auth_login, initial_response_ok=False)
            self.assertEqual(code, 235)
            content = message_bytes("a@example.org", ["b@example.com"], "login", ["hi"])
            self.assertEqual(client.sendmail("a@example.org", ["b@example.com"], content), {})
        self.assertEqual(len(relay.queue_list()), 1)

    def test_tls_without_auth_does_not_relay_from_a_network_that_is_not_allowed(self):
        relay = self.start_auth_relay()
        result = harness.swaks(relay.port, "--tls", "--local-interface", OTHER_CLIENT)
        self.assertNotEqual(result.returncode, 0, result.transcript)
        self.assertTrue(result.has_reply(r"554 5\.7\.1"), result.transcript)
        self.assertQueueEmpty(relay)

    def test_wrong_passwords_are_refused_then_the_connection_is_closed(self):
        relay = self.start_auth_relay(max_auth_failures=2)
        with harness.smtplib_client(relay.port, source=OTHER_CLIENT) as client:
            client.starttls(context=client_tls_context(self.ca.pem))
            client.ehlo("client.example.org")
            # One attempt (smtplib's login() would go on to the next mechanism).
            client.user, client.password = USER, "wrong password"
            with self.assertRaises(smtplib.SMTPAuthenticationError) as refused:
                client.auth("PLAIN", client.auth_plain)
            self.assertEqual(refused.exception.smtp_code, 535)
            self.assertTrue(refused.exception.smtp_error.startswith(b"5.7.8"))

        with RawSmtp(relay.port, source=OTHER_CLIENT) as s:
            s.greeting_and_ehlo()
            self.assertReply(s.command("STARTTLS"), 220)
            s.starttls(client_tls_context(self.ca.pem), "relay.test")
            s.command("EHLO client.example.org")
            self.assertReply(s.command(f"AUTH PLAIN {auth_plain(USER, 'nope')}"), 535, "5.7.8")
            # The second failure reaches max_auth_failures: 535, then 421 and the connection
            # ends.
            self.assertReply(s.command(f"AUTH PLAIN {auth_plain(USER, 'nope')}"), 535, "5.7.8")
            self.assertReply(s.reply(), 421, "4.7.0")
            self.assertTrue(s.closed_by_server())
        self.assertQueueEmpty(relay)


if __name__ == "__main__":
    harness.main()
