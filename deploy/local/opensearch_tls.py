"""A local certificate authority for the stack's OpenSearch node (made at ``mcr stack up``):
a CA, the node's certificate (transport and HTTP, for 127.0.0.1 and localhost) and the
admin's client certificate. A deployment brings certificates from its own CA instead.

Pure functions return PEM bytes; :func:`ensure_certificates` writes them once (keys 0600).
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["ADMIN_DN", "NODE_DN", "Certificates", "ensure_certificates", "issue"]

_ORG = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mcr-local"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "mcr")]  # fmt: skip
#: Distinguished names as OpenSearch's security plugin writes them (RFC 2253, most specific
#: first): the node's (``plugins.security.nodes_dn``) and the admin's (``authcz.admin_dn``).
NODE_DN = "CN=node-1.mcr.local,OU=mcr,O=mcr-local"
ADMIN_DN = "CN=mcr-admin,OU=mcr,O=mcr-local"
_DAYS = 825  # the longest validity clients still accept for a server certificate


@dataclass(frozen=True)
class Certificates:
    """Where the PEM files are (in OpenSearch's config folder)."""

    folder: Path

    ca = property(lambda self: self.folder / "root-ca.pem")
    node = property(lambda self: self.folder / "node.pem")
    node_key = property(lambda self: self.folder / "node-key.pem")
    admin = property(lambda self: self.folder / "admin.pem")
    admin_key = property(lambda self: self.folder / "admin-key.pem")


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common: str) -> x509.Name:
    return x509.Name([*_ORG, x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _pem_key(key: rsa.RSAPrivateKey) -> bytes:
    # PKCS#8: the only unencrypted form the security plugin reads.
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())  # fmt: skip


def issue(*, now: datetime.datetime | None = None) -> dict[str, bytes]:
    """A fresh CA, node and admin certificate with their keys, as PEM bytes by file name."""
    start = (now or datetime.datetime.now(datetime.UTC)) - datetime.timedelta(minutes=5)
    end = start + datetime.timedelta(days=_DAYS)
    ca_key = _key()
    ca_name = _name("mcr-local-ca")
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    files = {"root-ca.pem": ca.public_bytes(serialization.Encoding.PEM)}
    leaves = (("node", "node-1.mcr.local", True), ("admin", "mcr-admin", False))
    for stem, common, server in leaves:
        key = _key()
        builder = (
            x509.CertificateBuilder().subject_name(_name(common)).issuer_name(ca_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH] if server
                else [ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        )  # fmt: skip
        if server:
            names = [x509.DNSName("node-1.mcr.local"), x509.DNSName("localhost"),
                     x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]  # fmt: skip
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        cert = builder.sign(ca_key, hashes.SHA256())
        files[f"{stem}.pem"] = cert.public_bytes(serialization.Encoding.PEM)
        files[f"{stem}-key.pem"] = _pem_key(key)
    return files


def ensure_certificates(folder: Path) -> Certificates:
    """The certificates in ``folder``, issued on first use (keys readable by their owner
    only); existing ones are kept."""
    found = Certificates(folder)
    if found.ca.exists() and found.node_key.exists() and found.admin_key.exists():
        return found
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in issue().items():
        path = folder / name
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
    return found
