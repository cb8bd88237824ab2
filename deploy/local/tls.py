"""The local stack's own certificate authority and the broker's certificate (PEM files).

Made once by ``mcr stack up`` under ``.run/secrets/kafka/``: ``ca.pem`` (the CA certificate
clients trust), ``ca-key.pem`` (kept only to sign a renewed broker certificate) and
``broker.pem`` (the broker's PKCS#8 private key followed by its certificate and the CA, the
form Kafka reads as a PEM keystore). The broker certificate names ``127.0.0.1`` and
``localhost`` (clients check the host name) and serves both TLS sides: the client listener,
and the controller listener, where it is also the client certificate the controller demands.

A deployment brings certificates from its own CA (docs/security.md) and never runs this.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from deploy.local.secrets import write_private

__all__ = ["BROKER_COMMON_NAME", "ensure_broker_tls"]

BROKER_COMMON_NAME = "mcr-broker"
_CA_DAYS, _BROKER_DAYS, _RENEW_DAYS = 3650, 825, 30


def ensure_broker_tls(folder: Path, *, host: str) -> tuple[Path, Path]:
    """``(ca.pem, broker.pem)`` in ``folder``, made when missing; a broker certificate close to
    expiry (or for another host) is renewed with the same CA, so clients keep trusting it."""
    ca_file, ca_key_file, broker_file = (
        folder / "ca.pem",
        folder / "ca-key.pem",
        folder / "broker.pem",
    )
    if not (ca_file.exists() and ca_key_file.exists()):
        key = _key()
        write_private(ca_key_file, _key_pem(key))
        ca_file.write_bytes(_ca_certificate(key).public_bytes(serialization.Encoding.PEM))
    if not _broker_current(broker_file, host):
        ca_key = serialization.load_pem_private_key(ca_key_file.read_bytes(), password=None)
        assert isinstance(ca_key, rsa.RSAPrivateKey)
        ca = x509.load_pem_x509_certificate(ca_file.read_bytes())
        key = _key()
        certificate = _broker_certificate(key, host, ca, ca_key)
        chain = certificate.public_bytes(serialization.Encoding.PEM) + ca_file.read_bytes()
        write_private(broker_file, _key_pem(key) + chain)
    return ca_file, broker_file


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,  # Kafka's PEM keystore reads PKCS#8 only
        serialization.NoEncryption(),  # the file is 0600 under .run/secrets
    )


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "My Care Record local stack"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _ca_certificate(key: rsa.RSAPrivateKey) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    name = _name("mcr-local-ca")
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=_CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )


def _broker_certificate(
    key: rsa.RSAPrivateKey, host: str, ca: x509.Certificate, ca_key: rsa.RSAPrivateKey
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    try:
        names.append(x509.IPAddress(ipaddress.ip_address(host)))
    except ValueError:
        names.append(x509.DNSName(host))
    usages = [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    return (
        x509.CertificateBuilder()
        .subject_name(_name(BROKER_COMMON_NAME))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=_BROKER_DAYS))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )


def _broker_current(broker_file: Path, host: str) -> bool:
    if not broker_file.exists():
        return False
    certificate = x509.load_pem_x509_certificates(broker_file.read_bytes())[0]
    left = certificate.not_valid_after_utc - dt.datetime.now(dt.UTC)
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    hosts = {str(n) for n in names.get_values_for_type(x509.IPAddress)}
    hosts |= set(names.get_values_for_type(x509.DNSName))
    return left > dt.timedelta(days=_RENEW_DAYS) and host in hosts
