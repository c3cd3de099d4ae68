"""A throwaway Dovecot IMAP server for the capture tests, on 127.0.0.1.

Debian's ``dovecot-imapd`` (``.ci/run`` installs it), started by the tests with its own
configuration, a password file and a certificate signed by a test CA, all in a temporary
folder, on free ports: plain IMAP (with STARTTLS) and IMAP over TLS. Mail belongs to the
unprivileged ``nobody`` user; Dovecot itself runs as root in the foreground and is stopped
at the end. Messages are put there with IMAP APPEND.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.davserver import free_port
from tests.mailserver import make_certificates

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
USER, PASSWORD = "me@home.example", "app-password-1"
CONFIG = """
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
info_log_path = {folder}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{folder}/mail/%u
default_login_user = nobody
default_internal_user = nobody
default_internal_group = nogroup
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/passwd
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={folder}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = create
  }}
  mailbox Archive {{
    auto = create
  }}
}}
"""


@dataclass(frozen=True)
class Dovecot:
    """A running server: its ports, the CA that signed its certificate, and its log."""

    port: int
    tls_port: int
    ca: Path
    log: Path
    user: str = USER
    password: str = PASSWORD


def _wait(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(200):
        if process.poll() is not None:
            raise RuntimeError(f"dovecot stopped: {log.read_text() if log.exists() else 'no log'}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)  # waiting for a server to listen, not for time to pass
    raise RuntimeError("dovecot did not listen within 10 s")


@contextmanager
def dovecot() -> Iterator[Dovecot]:
    """Start Dovecot in a temporary folder; yields it; stops it and removes the folder."""
    assert DOVECOT is not None, "dovecot is not installed (apt-get install dovecot-imapd)"
    folder = Path(tempfile.mkdtemp(prefix="tactful-imap-"))
    os.chmod(folder, 0o755)
    certs = make_certificates(folder / "tls")
    (folder / "mail").mkdir()
    shutil.chown(folder / "mail", "nobody", "nogroup")
    (folder / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    port, tls_port = free_port(), free_port()
    conf = folder / "dovecot.conf"
    conf.write_text(CONFIG.format(folder=folder, cert=certs.cert, key=certs.key, port=port, tls_port=tls_port))
    log = folder / "dovecot.log"
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(port, process, log)
        _wait(tls_port, process, log)
        yield Dovecot(port, tls_port, certs.ca, log)
    finally:
        _stop(process)
        shutil.rmtree(folder, ignore_errors=True)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Ask Dovecot to stop (it stops its children); kill it if it has not within 20 s."""
    process.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=20)
        return
    process.kill()
    process.wait()
