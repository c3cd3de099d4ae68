"""Hostile sources: `tactful sync` bounds a stranger's mail and a misbehaving server, with a
warning and the rest of the sync done, never a traceback or exit 70. Against the real Dovecot
of tests/imapserver.py, and a mis-configured section before any server is reached."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from imapclient import IMAPClient

from tests import imapserver
from tests.clirun import doc, ok, run
from tests.test_capture import ENV, NOW, configure, message
from tests.test_capture import home as home  # noqa: F401  # the fixtures, shared
from tests.test_capture import mailbox as mailbox  # noqa: F401
from tests.test_capture import server as server  # noqa: F401

pytestmark = [
    pytest.mark.skipif(imapserver.DOVECOT is None, reason="dovecot is not installed (apt-get install dovecot-imapd)"),
    pytest.mark.xdist_group("dovecot"),
]
JANE = "jane@northwind.example"


def test_each_mistake_in_the_mailbox_section_is_one_located_line(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("mailbox:\n  host: imap.example.org\n  prot: 993\n  security: none\n"
                                          "  every: often\n  auto: always\n")  # fmt: skip
    done = run(tmp_path, "sync", now=NOW, env=ENV)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert [line.split(": ", 1)[0].rsplit("/", 1)[-1] for line in lines] == [
        "config.yaml:2:3", "config.yaml:3:3", "config.yaml:5:10", "config.yaml:6:9"]  # fmt: skip
    assert "the mailbox section needs 'username'" in lines[0]
    assert "unknown setting 'prot' in the mailbox section; did you mean 'port'?" in lines[1]
    assert "every: 'often' is not a duration" in lines[2] and "auto: 'always' is not one of certain, off" in lines[3]


def test_plain_imap_is_refused_for_a_server_elsewhere(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("mailbox:\n  host: imap.example.org\n  security: none\n  username: me\n")
    done = run(tmp_path, "sync", now=NOW, env=ENV)
    assert done.returncode == 2
    assert "config.yaml:3:13: mailbox: security: none sends your password unencrypted" in done.stderr


def test_strangers_mail_is_bounded_and_still_proposed(home: Path, mailbox: IMAPClient) -> None:  # noqa: F811
    me = imapserver.USER
    bomb = "=?utf-8?b?QQ==?= " * 20_000
    broken = (f"From: {JANE}\r\nTo: {me}\r\nSubject: broken\r\nMessage-ID: <m1@n.example>\r\n"
              "Date: Mon, 11 May 2026 09:00:00 +0000\r\nContent-Type: multipart/mixed; boundary=\"a\"\r\n\r\n"
              "--a\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n--a--\r\n--b\r\n"
              "Content-Type: text/plain; charset=klingon\r\nContent-Transfer-Encoding: base64\r\n\r\n"
              "!!!notbase64").encode()  # fmt: skip
    latin = (f"From: {JANE}\r\nTo: {me}\r\nSubject: =?iso-8859-1?q?R=E9sultat?=\r\nMessage-ID: <m2@n.example>\r\n"
             "Date: Mon, 11 May 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n").encode() + \
        "Malheureusement... unfortunately we regret to say \xe9".encode("latin-1")  # fmt: skip
    html = message(JANE, me, "Good news", "<p>We are <b>pleased to offer</b> you</p><script>call me</script>",
                   "2026-05-11T11:00:00+00:00", "<m3@n.example>", html=True)  # fmt: skip
    bombed = (f"From: {JANE}\r\nTo: {me}\r\nSubject: {bomb}\r\nMessage-ID: <m4@n.example>\r\n"
              "Date: Mon, 11 May 2026 12:00:00 +0000\r\n\r\nhello\r\n").encode()  # fmt: skip
    huge = message(JANE, me, "Big attachment", "offer letter " + "x" * (50 * 1024 * 1024), "2026-05-11T13:00:00+00:00",
                   "<m5@n.example>")  # fmt: skip
    for raw in (broken, latin, html, bombed, huge):
        mailbox.append("INBOX", raw)
    report = doc(home, "sync", now=NOW, env=ENV)
    assert report["warnings"] == [] and report["read"] == 5
    found = {p["evidence"]["subject"][:20]: p for p in report["proposed"]}
    assert set(found) == {"broken", "Résultat", "Good news", "A" * 20, "Big attachment"}
    assert len(found["A" * 20]["evidence"]["subject"]) <= 300
    assert [o["outcome"] for o in found["Résultat"]["outcomes"]] == ["rejected"]
    assert [o["outcome"] for o in found["Good news"]["outcomes"]] == ["offer"]  # the script's words are not text
    assert [o["outcome"] for o in found["Big attachment"]["outcomes"]] == ["offer"]


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A server that accepts connections and never says a word: its port."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    listener.close()
    for conn in held:
        conn.close()
    thread.join(timeout=5)


def test_a_server_that_hangs_is_a_warning_after_the_time_out(tmp_path: Path, silent_server: int) -> None:
    (tmp_path / "config.yaml").write_text(f"mailbox:\n  host: 127.0.0.1\n  port: {silent_server}\n  security: none\n"
                                          "  username: me\n  timeout: 1\n")  # fmt: skip
    done = ok(tmp_path, "sync", now=NOW, env=ENV)
    assert "tactful: warning: the IMAP server 127.0.0.1:" in done.stderr
    assert "did not answer within 1 s" in done.stderr
    assert done.stdout.startswith("Read 0 new messages")


@pytest.fixture
def cutting_proxy(server: imapserver.Dovecot) -> Iterator[int]:  # noqa: F811
    """A relay to the server's plain port that drops the connection in the middle of the first
    answer to a FETCH: its port."""
    listener = socket.create_server(("127.0.0.1", 0))

    def relay(client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", server.port))
        fetching = threading.Event()

        def up() -> None:
            with contextlib.suppress(OSError):  # the relay drops both sides under it
                while data := client.recv(65536):
                    if b"FETCH" in data:
                        fetching.set()
                    upstream.sendall(data)

        threading.Thread(target=up, daemon=True).start()
        try:
            while data := upstream.recv(65536):
                client.sendall(data[:40] if fetching.is_set() else data)
                if fetching.is_set():
                    break
        except OSError:
            pass
        for side in (client, upstream):
            with contextlib.suppress(OSError):
                side.shutdown(socket.SHUT_RDWR)  # a FIN, even while the other thread reads
            side.close()

    def serve() -> None:
        while True:
            try:
                conn = listener.accept()[0]
            except OSError:
                return
            threading.Thread(target=relay, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()


def test_a_dropped_connection_keeps_what_was_read_and_the_next_sync_goes_on(
    home: Path,  # noqa: F811
    mailbox: IMAPClient,  # noqa: F811
    server: imapserver.Dovecot,  # noqa: F811
    cutting_proxy: int,
) -> None:
    mailbox.append("INBOX", message(JANE, imapserver.USER, "News", "An offer", "2026-05-11T09:00:00+00:00", "<d1@n>"))
    (home / "config.yaml").write_text(f"mailbox:\n  host: 127.0.0.1\n  port: {cutting_proxy}\n  security: none\n"
                                      f"  username: {server.user}\n")  # fmt: skip
    done = ok(home, "sync", now=NOW, env=ENV)
    assert "dropped the connection while reading" in done.stderr
    configure(home, server)
    assert [p["evidence"]["subject"] for p in doc(home, "sync", now=NOW, env=ENV)["proposed"]] == ["News"]


@pytest.mark.slow
def test_ten_thousand_messages_in_one_folder(home: Path, mailbox: IMAPClient) -> None:  # noqa: F811
    when = "2026-05-10T09:00:00+00:00"
    messages = [message(f"person{n}@elsewhere{n % 50}.example", imapserver.USER, f"Message {n}", "Hello", when,
                        f"<bulk-{n}@elsewhere.example>") for n in range(10_000)]  # fmt: skip
    messages[5000] = message(JANE, imapserver.USER, "Still interested?", "Please call me.", when,
                             "<bulk-jane@northwind.example>")  # fmt: skip
    for start in range(0, len(messages), 1000):
        mailbox.multiappend("INBOX", messages[start : start + 1000])
    report = doc(home, "sync", now=NOW, env=ENV)
    assert report["read"] == 10_000
    assert [(p["evidence"]["subject"], p["outcomes"][0]["outcome"]) for p in report["proposed"]] == [
        ("Still interested?", "callback")]  # fmt: skip
    assert doc(home, "sync", now=NOW, env=ENV)["read"] == 0


@contextlib.contextmanager
def scripted_server(fetched: bytes) -> Iterator[int]:
    """An IMAP server of a few lines that answers every FETCH with ``fetched`` and then hangs up:
    its port. Enough of IMAP for a sync of INBOX to reach its first FETCH."""
    listener = socket.create_server(("127.0.0.1", 0))

    def answer(conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError), conn.makefile("rb") as lines:
            conn.sendall(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")
            for line in lines:
                tag, _, command = line.decode("ascii", "replace").strip().partition(" ")
                verb = command.upper().removeprefix("UID ").split(" ")[0]
                if verb == "FETCH":
                    conn.sendall(fetched)
                    return
                said = {"CAPABILITY": "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n", "LIST": '* LIST () "/" INBOX\r\n',
                        "EXAMINE": "* 1 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n", "SEARCH": "* SEARCH 1\r\n",
                        "LOGOUT": "* BYE\r\n"}.get(verb, "")  # fmt: skip
                conn.sendall(f"{said}{tag} OK done\r\n".encode())

    def serve() -> None:
        with contextlib.suppress(OSError):
            while True:
                threading.Thread(target=answer, args=(listener.accept()[0],), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def test_a_server_announcing_a_huge_literal_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    """A literal of a terabyte announced, a megabyte sent: tactful never asks for the terabyte."""
    literal = b"* 1 FETCH (UID 1 BODY[HEADER.FIELDS (FROM)] {1000000000000}\r\n" + b"x" * (1 << 20)
    with scripted_server(literal) as port:
        (tmp_path / "config.yaml").write_text(f"mailbox:\n  host: 127.0.0.1\n  port: {port}\n  security: none\n"
                                              "  username: me\n  folders: [INBOX]\n  timeout: 5\n")  # fmt: skip
        done = run(tmp_path, "sync", now=NOW, env=ENV)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "sent an answer of 1,000,000,000,000 bytes, above the 64 MB tactful reads" in done.stderr
    assert "while reading INBOX" in done.stderr and done.stdout.startswith("Read 0 new messages")


@pytest.fixture
def counting_proxy(server: imapserver.Dovecot) -> Iterator[tuple[int, list[int]]]:  # noqa: F811
    """A relay to the server's plain port: its port, and the bytes the server sent through it."""
    listener = socket.create_server(("127.0.0.1", 0))
    sent = [0]

    def pipe(source: socket.socket, sink: socket.socket, count: bool) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sent[0] += len(data) if count else 0
                sink.sendall(data)
        for side in (source, sink):
            with contextlib.suppress(OSError):
                side.shutdown(socket.SHUT_RDWR)

    def serve() -> None:
        with contextlib.suppress(OSError):
            while True:
                client = listener.accept()[0]
                upstream = socket.create_connection(("127.0.0.1", server.port))
                threading.Thread(target=pipe, args=(client, upstream, False), daemon=True).start()
                threading.Thread(target=pipe, args=(upstream, client, True), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    yield listener.getsockname()[1], sent
    listener.close()


def test_a_message_with_megabytes_of_header_costs_its_first_64_kb(
    home: Path,  # noqa: F811
    mailbox: IMAPClient,  # noqa: F811
    server: imapserver.Dovecot,  # noqa: F811
    counting_proxy: tuple[int, list[int]],
) -> None:
    references = " ".join(f"<ref-{n}@elsewhere.example>" for n in range(200_000))  # about 5 MB
    raw = (f"From: {JANE}\r\nTo: {imapserver.USER}\r\nSubject: Long thread\r\nMessage-ID: <long@n.example>\r\n"
           f"Date: Mon, 11 May 2026 09:00:00 +0000\r\nReferences: {references}\r\n\r\nNews\r\n").encode()  # fmt: skip
    mailbox.append("INBOX", raw)
    port, sent = counting_proxy
    (home / "config.yaml").write_text(f"mailbox:\n  host: 127.0.0.1\n  port: {port}\n  security: none\n"
                                      f"  username: {server.user}\n")  # fmt: skip
    report = doc(home, "sync", now=NOW, env=ENV)
    assert [p["evidence"]["subject"] for p in report["proposed"]] == ["Long thread"]
    assert sent[0] < 512 * 1024, sent[0]
