"""TLS to a partner is verified: a partner on 127.0.0.1 serving a certificate of a CA the client does not know
is refused, the same partner is accepted once the client is given that CA, and a certificate for another name
is refused even from a known CA."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ocpi.client import OcpiClient, UrlPolicy
from ocpi.core.errors import UnableToUseClientApi
from ocpi.testing import listening


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_pki(directory: Path, names: list[x509.GeneralName]) -> tuple[Path, Path, Path]:
    """A CA of our own and a server certificate it signed for `names`: (ca.pem, server.pem, server.key)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("test CA"))
        .issuer_name(_name("test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(_name("partner"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


async def versions(request: Request) -> JSONResponse:
    return JSONResponse({"status_code": 1000, "timestamp": "2030-01-01T00:00:00Z", "data": []})


@asynccontextmanager
async def https_partner(certificate: Path, key: Path) -> AsyncIterator[int]:
    """A partner answering its versions over HTTPS on 127.0.0.1; yields its port."""
    app = Starlette(routes=[Route("/ocpi/versions", versions)])
    async with listening() as sock:
        config = uvicorn.Config(
            app, log_level="warning", lifespan="off", ssl_certfile=str(certificate), ssl_keyfile=str(key)
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            while not server.started:
                await asyncio.sleep(0.01)
            yield sock.getsockname()[1]
        finally:
            server.should_exit = True
            await task


def client(ca: Path | None = None) -> OcpiClient:
    # Loopback needs private URLs allowed; that lifts the address policy, not TLS verification.
    tls = ssl.create_default_context(cafile=str(ca)) if ca else None
    return OcpiClient(token="t", policy=UrlPolicy(allow_private=True), tls=tls)


async def test_a_self_signed_partner_is_refused_and_accepted_with_its_ca(tmp_path: Path) -> None:
    names: list[x509.GeneralName] = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    ]
    ca, certificate, key = make_pki(tmp_path, names)
    async with https_partner(certificate, key) as port:
        for host in ("127.0.0.1", "localhost"):
            url = f"https://{host}:{port}/ocpi/versions"
            async with client() as unknown_ca:
                with pytest.raises(UnableToUseClientApi, match="TLS certificate verification failed"):
                    await unknown_ca.get(url)
            async with client(ca) as trusting:
                assert await trusting.get(url) == []


async def test_a_certificate_for_another_name_is_refused_even_from_a_known_ca(tmp_path: Path) -> None:
    ca, certificate, key = make_pki(tmp_path, [x509.DNSName("partner.example.com")])
    async with https_partner(certificate, key) as port, client(ca) as trusting:
        with pytest.raises(UnableToUseClientApi, match="TLS certificate verification failed: IP address mismatch"):
            await trusting.get(f"https://127.0.0.1:{port}/ocpi/versions")
