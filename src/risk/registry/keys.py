"""The trust store: which Ed25519 keys may sign a model version, and the site's own key.

Kept outside the registry folder, so that whoever can write ``models/`` cannot also
decide which signatures count:

- the release key's public half ships inside the package (:mod:`risk.registry.release_keys`);
- a site's keys live in a folder of its configuration, ``$RISK_KEYS_DIR``, by default
  ``$XDG_CONFIG_HOME/gepnet-risk/keys`` (``~/.config/gepnet-risk/keys``)::

      keys/
        site-ed25519.pem         the site's private key (mode 0600): signs what it saves
        trusted/<key id>.pub     public keys whose signatures are accepted (PEM)
        retired/<key id>.pem     private keys replaced by ``keys new --rotate``

A key is named by its id: the first 16 hex digits of the sha256 of its 32 raw bytes.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from risk.errors import RegistryError
from risk.i18n import N_, _

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

#: Environment variable naming the site's keys folder.
KEYS_DIR_ENV = "RISK_KEYS_DIR"
APP_NAME = "gepnet-risk"
SITE_KEY_FILE = "site-ed25519.pem"
TRUSTED_DIR = "trusted"
RETIRED_DIR = "retired"
RELEASE, SITE = "release", "site"
_ORIGINS = {RELEASE: N_("release"), SITE: N_("site")}


def default_keys_dir() -> Path:
    """``$RISK_KEYS_DIR``, else ``$XDG_CONFIG_HOME/gepnet-risk/keys``, else
    ``~/.config/gepnet-risk/keys``."""
    from_env = os.environ.get(KEYS_DIR_ENV)
    if from_env:
        return Path(from_env)
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / APP_NAME / "keys"


def key_id(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


@dataclass(frozen=True)
class TrustedKey:
    """A public key whose signatures are accepted, and where its trust comes from."""

    key_id: str
    origin: str  # RELEASE (shipped in the package) or SITE (the keys folder)
    public_raw: bytes
    path: Path | None = None

    def origin_name(self) -> str:
        """Where the key comes from, in the current language ("release", "site")."""
        return _(_ORIGINS[self.origin]) if self.origin in _ORIGINS else self.origin

    def describe(self) -> str:
        return _("{origin} key {key}").format(origin=self.origin_name(), key=self.key_id)

    def public_key(self) -> Ed25519PublicKey:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        return Ed25519PublicKey.from_public_bytes(self.public_raw)


@dataclass(frozen=True)
class Signer:
    """A private key that signs manifests; ``created`` when it was made just now."""

    key_id: str
    private_key: Ed25519PrivateKey
    path: Path
    created: bool = False


def _raw_public(public: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _public_pem(public: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public.public_bytes(serialization.Encoding.PEM,
                               serialization.PublicFormat.SubjectPublicKeyInfo)


def _private_pem(private: Ed25519PrivateKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Write a file that must not exist yet, readable as ``mode`` from its first byte."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, path)  # fails if the file appeared meanwhile: never overwritten
    except FileExistsError:
        raise RegistryError(f"{path} exists already; it is never overwritten") from None
    except OSError as exc:
        raise RegistryError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def read_file_bytes(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise RegistryError(f"cannot read {path}: {exc.strerror or exc}") from None


def read_public_key(data: bytes, source: str) -> bytes:
    """The 32 raw bytes of an Ed25519 public key in PEM (or a private key, refused)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if b"PRIVATE KEY" in data:
        raise RegistryError(f"{source} holds a private key: give its public half (.pub), "
                            "the private half never leaves the machine that signs")
    try:
        public = serialization.load_pem_public_key(data)
    except ValueError:
        raise RegistryError(f"{source} is not a PEM public key") from None
    if not isinstance(public, Ed25519PublicKey):
        raise RegistryError(f"{source} is not an Ed25519 key ({type(public).__name__})")
    return _raw_public(public)


def load_signer(path: Path) -> Signer:
    """A private key file (PEM, unencrypted PKCS8) as a :class:`Signer`."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    data = read_file_bytes(path)
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise RegistryError(f"{path} is not an unencrypted PEM private key") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise RegistryError(f"{path} is not an Ed25519 key ({type(private).__name__})")
    return Signer(key_id(_raw_public(private.public_key())), private, Path(path))


def write_key_pair(path: Path) -> Signer:
    """A new key pair: the private half at ``path`` (0600), the public half at
    ``path`` + ``.pub``. Neither may exist yet."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = Path(path)
    public_path = path.with_name(path.name + ".pub")
    if public_path.exists():
        raise RegistryError(f"{public_path} exists already; it is never overwritten")
    private = Ed25519PrivateKey.generate()
    _write_new(path, _private_pem(private), 0o600)
    _write_new(public_path, _public_pem(private.public_key()), 0o644)
    return Signer(key_id(_raw_public(private.public_key())), private, path, created=True)


class KeyStore:
    """The trust store of this installation: the release keys and a site's folder."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root) if root is not None else default_keys_dir()

    def __repr__(self) -> str:
        return f"KeyStore({str(self.root)!r})"

    @property
    def site_key_path(self) -> Path:
        return self.root / SITE_KEY_FILE

    def trusted(self) -> dict[str, TrustedKey]:
        """Every trusted key by id: the release keys, then the site's ``trusted/``."""
        from risk.registry.release_keys import RELEASE_PUBLIC_KEYS

        keys: dict[str, TrustedKey] = {}
        for text in RELEASE_PUBLIC_KEYS:
            raw = base64.b64decode(text)
            keys[key_id(raw)] = TrustedKey(key_id(raw), RELEASE, raw)
        folder = self.root / TRUSTED_DIR
        for path in sorted(folder.glob("*.pub")) if folder.is_dir() else []:
            try:
                raw = read_public_key(path.read_bytes(), str(path))
            except (RegistryError, OSError):
                continue  # an unreadable file trusts nobody; `keys list` shows the rest
            keys.setdefault(key_id(raw), TrustedKey(key_id(raw), SITE, raw, path))
        return keys

    def trust(self, public_pem: bytes, source: str) -> tuple[TrustedKey, bool]:
        """Accept signatures of this public key from now on; (the key, newly trusted)."""
        raw = read_public_key(public_pem, source)
        known = self.trusted().get(key_id(raw))
        if known is not None:
            return known, False
        path = self.root / TRUSTED_DIR / f"{key_id(raw)}.pub"
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        _write_new(path, public_pem, 0o644)
        return TrustedKey(key_id(raw), SITE, raw, path), True

    def site_signer(self, create: bool = True) -> Signer:
        """The site's signing key; made (and trusted) on first use when ``create``."""
        if self.site_key_path.exists():
            return load_signer(self.site_key_path)
        if not create:
            raise RegistryError(
                f"no site signing key in {self.root}: make one with 'python -m risk keys "
                "new'")
        return self.new_site_key()

    def new_site_key(self, rotate: bool = False) -> Signer:
        """Make the site's signing key and trust its public half. With ``rotate`` an
        existing key is retired first (its public half stays trusted: what it signed
        still loads)."""
        if self.site_key_path.exists():
            if not rotate:
                old = load_signer(self.site_key_path)
                raise RegistryError(
                    f"this site has a signing key already ({old.key_id}, "
                    f"{self.site_key_path}); to replace it use 'python -m risk keys new "
                    "--rotate'")
            old = load_signer(self.site_key_path)
            retired = self.root / RETIRED_DIR / f"{old.key_id}.pem"
            retired.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.replace(self.site_key_path, retired)
        signer = write_key_pair(self.site_key_path)
        public_path = self.site_key_path.with_name(self.site_key_path.name + ".pub")
        self.trust(public_path.read_bytes(), str(public_path))
        public_path.unlink()  # its trusted copy is the one read
        return signer
