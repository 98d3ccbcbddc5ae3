"""Signatures of model versions: Ed25519 over the exact bytes of a version's manifest.

The manifest holds the sha256 of every other file, so one signature covers the version.
It is stored beside the manifest in ``manifest.sig`` (JSON: the key's id and the
signature), and checked against a :class:`risk.registry.keys.KeyStore` on every load.
A version is refused, with its name and the reason, when it is unsigned, signed by a key
the store does not trust, or its manifest differs from what was signed.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path

from risk.errors import RegistryError
from risk.registry.keys import KEYS_DIR_ENV, KeyStore, Signer, TrustedKey
from risk.registry.version import SIGNATURE_FILE, read_file

#: Prefixed to what is signed, so a manifest signature means nothing anywhere else.
DOMAIN = b"gepnet-risk model manifest v1\n"


def sign_manifest(manifest_bytes: bytes, signer: Signer) -> bytes:
    """The bytes of ``manifest.sig`` for ``manifest_bytes`` signed by ``signer``."""
    from risk.registry.files import canonical_json

    signature = signer.private_key.sign(DOMAIN + manifest_bytes)
    return canonical_json({"signature_format": 1, "algorithm": "ed25519",
                           "key_id": signer.key_id,
                           "signature": base64.b64encode(signature).decode("ascii")})


def _parse(sig_bytes: bytes, version: str) -> tuple[str, bytes]:
    try:
        value = json.loads(sig_bytes)
        key, signature = value["key_id"], base64.b64decode(value["signature"], validate=True)
        if not isinstance(key, str) or value.get("algorithm") != "ed25519":
            raise ValueError("not an ed25519 signature")
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        raise RegistryError(
            f"model version '{version}' is refused: its {SIGNATURE_FILE} is damaged "
            "(not a signature this code can read)") from None
    return key, signature


def check_signature(sig_bytes: bytes | None, manifest_bytes: bytes, version: str,
                    keys: KeyStore) -> TrustedKey:
    """The trusted key that signed ``manifest_bytes``, or a RegistryError saying why not."""
    from cryptography.exceptions import InvalidSignature

    if sig_bytes is None:
        raise RegistryError(
            f"model version '{version}' is refused: it is not signed (no {SIGNATURE_FILE}); "
            f"a release manager signs it with 'python -m risk keys sign {version}'")
    key, signature = _parse(sig_bytes, version)
    trusted = keys.trusted().get(key)
    if trusted is None:
        raise RegistryError(
            f"model version '{version}' is refused: it is signed by key {key}, which is not "
            f"trusted here (trust store: the release key and {keys.root}); if that key is "
            "yours, trust it with 'python -m risk keys trust FILE.pub'")
    try:
        trusted.public_key().verify(signature, DOMAIN + manifest_bytes)
    except InvalidSignature:
        raise RegistryError(
            f"model version '{version}' is refused: its signature by {trusted.describe()} "
            "does not match its manifest, which was altered after signing") from None
    return trusted


def check_signature_file(folder: Path, manifest_bytes: bytes, version: str, keys: KeyStore,
                         registry_root: Path) -> TrustedKey:
    """:func:`check_signature` of the ``manifest.sig`` in a version's ``folder``."""
    key_root, root = keys.root.resolve(), registry_root.resolve()
    if key_root == root or root in key_root.parents:  # models/ would choose its own trust
        raise RegistryError(
            f"the trust store {keys.root} lies inside the model registry {registry_root}: "
            f"keep the keys outside it (set {KEYS_DIR_ENV} elsewhere)")
    path = folder / SIGNATURE_FILE
    sig = read_file(path, version) if path.exists() else None
    return check_signature(sig, manifest_bytes, version, keys)
