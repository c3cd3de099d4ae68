"""Real SMTP servers on 127.0.0.1 for the email adapter's tests: aiosmtpd, in-process.

``start_server`` binds a free port (or the one given) and returns a running controller whose
``handler.received`` fills as messages arrive; ``make_certificates`` writes a throwaway CA
and a server certificate for 127.0.0.1 signed by it, for STARTTLS and TLS.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HOST = "127.0.0.1"


@dataclass
class Received:
    """One message as the server got it: the envelope, the parsed message, how it came."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    login: str | None
    tls: bool

    @property
    def body(self) -> str:
        return self.message.get_content()


class Inbox:
    """An aiosmtpd handler that keeps every message; with ``require_login``, MAIL needs AUTH."""

    def __init__(self, require_login: bool = False) -> None:
        self.received: list[Received] = []
        self.require_login = require_login

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if self.require_login and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message, login, bool(session.ssl)))
        return "250 2.0.0 Message accepted for delivery"


class Authenticator:
    """Accepts exactly one user name and password."""

    def __init__(self, login: str, password: str) -> None:
        self.login, self.password = login.encode(), password.encode()

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        given = (auth_data.login, auth_data.password) if isinstance(auth_data, LoginPassword) else None
        ok = given == (self.login, self.password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data)


class LoopbackController(Controller):
    """A controller that may listen on port 0: the port the system chose is read back."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def reserve_port() -> socket.socket:
    """A socket bound to a free port but not listening: connecting to it is refused (a server
    that is down), and no other process gets the port until the socket is closed."""
    reserved = socket.socket()
    reserved.bind((HOST, 0))
    return reserved


def start_server(handler: Inbox, port: int = 0, **options: Any) -> LoopbackController:
    """Start aiosmtpd on 127.0.0.1 in a thread; ``options`` go to aiosmtpd's SMTP class."""
    controller = LoopbackController(handler, hostname=HOST, port=port, server_hostname="tactful-test", **options)
    controller.start()
    return controller


@contextmanager
def running_inbox() -> Iterator[tuple[Inbox, LoopbackController]]:
    """A plain server (no TLS, no login) on a free port until the block ends, and its inbox."""
    handler = Inbox()
    server = start_server(handler)
    try:
        yield handler, server
    finally:
        server.stop()


@dataclass(frozen=True)
class Certificates:
    ca: Path
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


def make_certificates(folder: Path) -> Certificates:
    """A CA, and a certificate for 127.0.0.1 and localhost signed by it, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder.mkdir(parents=True, exist_ok=True)
    # Certificates are checked against the real clock by TLS itself, so validity uses it too.
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    end = start + dt.timedelta(days=3)

    signing = x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                            key_encipherment=False, data_encipherment=False, key_agreement=False,
                            encipher_only=False, decipher_only=False)  # fmt: skip
    names = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST)), x509.DNSName("localhost")])
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tactful test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(signing, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(names, critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = Certificates(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    paths.ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))  # fmt: skip
    return paths
