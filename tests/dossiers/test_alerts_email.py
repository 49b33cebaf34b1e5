"""Alert e-mails through Django's SMTP backend to a real SMTP server on loopback (a small one run here in a
thread: EHLO, MAIL, RCPT, DATA, QUIT): one message per recipient, Vietnamese subject and body, a link to the
dossier; a refused delivery is released and sent on the next try, never twice."""

from __future__ import annotations

import email
import socketserver
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from django.conf import settings as django_settings

from motcua.dossiers.alerts import notify_alert, run_scan
from motcua.dossiers.models import LatenessAlert, LatenessAlertRecipient
from tests.dossiers.test_alerts import at, desk, scene  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


class _Handler(socketserver.StreamRequestHandler):
    server: LoopbackSMTP

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 loopback ESMTP ready")
        sender, recipients = "", list[str]()
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            command = raw.decode("ascii", "replace").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-loopback")
                self.reply("250 8BITMIME")
            elif verb == "HELO" or verb == "NOOP":
                self.reply("250 OK")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].strip().strip("<>").split(">")[0], []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with <CR><LF>.<CR><LF>")
                lines = []
                while (line := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    lines.append(line[1:] if line.startswith(b"..") else line)
                if self.server.refuse_data:
                    self.reply("451 temporary failure, try later")
                    continue
                with self.server.lock:
                    self.server.received.append((sender, list(recipients), b"".join(lines)))
                self.reply("250 queued")
            elif verb == "RSET":
                sender, recipients = "", []
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class LoopbackSMTP(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.received: list[tuple[str, list[str], bytes]] = []
        self.refuse_data = False

    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [email.message_from_bytes(data, policy=default_policy) for _s, _r, data in self.received]


@pytest.fixture
def smtp(settings: Any) -> Iterator[LoopbackSMTP]:
    server = LoopbackSMTP()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.server_address[1]
    settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL, settings.EMAIL_TIMEOUT = False, False, 5
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server
    server.shutdown()
    server.server_close()


def test_alert_e_mails_reach_the_smtp_server(smtp: LoopbackSMTP, desk, scene,  # noqa: F811
                                             django_capture_on_commit_callbacks) -> None:
    d_stuck = scene["stuck"]
    with django_capture_on_commit_callbacks(execute=True):
        run_scan(now=at(7, 15))
    envelopes = sorted((s, tuple(r)) for s, r, _d in smtp.received)
    assert envelopes == [(django_settings.DEFAULT_FROM_EMAIL, ("lead_a@motcua.test",))] * 2 + [
        (django_settings.DEFAULT_FROM_EMAIL, ("lead_b@motcua.test",))] * 2
    by_subject = {str(m["Subject"]).strip(): m for m in smtp.messages()}  # folded: " =?utf-8?b?…"
    apology = by_subject[f"Hồ sơ {d_stuck.code}: sắp hết thời hạn xin lỗi và hẹn lại ngày trả kết quả"]
    assert apology["To"] == "lead_a@motcua.test"
    body = apology.get_body().get_content()  # type: ignore[union-attr]
    assert "Hạn chót" not in body  # the body says it in a sentence:
    assert "phải được ban hành chậm nhất lúc 08:00 08/04/2026" in body
    assert "ngày hẹn mới đề xuất 14:00 10/04/2026" in body
    assert f"{django_settings.MOTCUA_PUBLIC_URL}/backoffice/dossiers/{d_stuck.code}/" in body
    assert f"Hồ sơ {d_stuck.code} có nguy cơ trễ hạn" in by_subject
    # Every recipient is marked as e-mailed: running the task again sends nothing.
    assert not LatenessAlertRecipient.objects.filter(emailed_at__isnull=True).exists()
    for alert in LatenessAlert.objects.all():
        assert notify_alert(alert.pk) == "sent 0"
    assert len(smtp.received) == 4


def test_a_refused_delivery_is_sent_on_the_next_try_and_only_once(smtp: LoopbackSMTP, desk, scene) -> None:  # noqa: F811
    run_scan(now=at(7, 15))  # no commit in this test: the notifications are run by hand below
    alert = LatenessAlert.objects.get(dossier=scene["stuck"], kind="at_risk")
    smtp.refuse_data = True
    with pytest.raises(Exception, match="temporary failure"):
        notify_alert(alert.pk)
    assert smtp.received == []
    assert LatenessAlertRecipient.objects.get(alert=alert).emailed_at is None  # released for the retry
    smtp.refuse_data = False
    assert notify_alert(alert.pk) == "sent 1"
    assert notify_alert(alert.pk) == "sent 0"
    assert [r for _s, r, _d in smtp.received] == [["lead_a@motcua.test"]]
