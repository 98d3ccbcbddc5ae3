"""The model registry: versioned model folders, written once, verified on every load.

Layout of a registry folder (default: the repository's ``models/``)::

    models/
      <version>/model.json     the parameters (BiopsyRiskModel.to_dict(), plain JSON)
      <version>/card.json      the model card (risk.registry.card)
      <version>/testpack.csv   the reference test pack: >= 1,000 patients and the outputs
                               expected for them (risk.model.testpack; since packs exist)
      <version>/chai_card.json the CHAI Applied Model Card (risk.present.chai_card; since
                               CHAI cards exist)
      <version>/manifest.json  sha256 of model.json, card.json, testpack.csv, chai_card.json
      <version>/manifest.sig   the manifest's Ed25519 signature (risk.registry.signing)
      active                   the served version, its manifest hash and the history
      .lock                    serialises writers (filelock)
      .tmp-*                   a save in progress, or left by a crashed one (ignored)

Guarantees:

- a version folder appears complete or not at all: it is written in ``.tmp-<uuid>/``,
  synced to disk, then renamed (a directory rename is atomic on POSIX); an existing
  version is never overwritten;
- the ``active`` pointer is replaced atomically (temp file + ``os.replace``), so a crash
  leaves the previous active model in place;
- every load checks the manifest's signature against the trust store kept outside this
  folder (risk.registry.keys), then re-hashes the files, and refuses a version that is
  unsigned, signed by an untrusted key, or modified, naming it and the reason;
- only JSON is read: nothing is unpickled or executed;
- no file holds patient rows (the card has a fingerprint and counts only).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import risk
from risk.errors import RegistryError
from risk.registry.card import ModelCard
from risk.registry.files import (  # noqa: F401 - part of this module's API
    TMP_PREFIX,
    canonical_json,
    checkpoint,
    fsync_dir,
    parameter_differences,
    remove_stale_temporaries,
    sha256,
    write_synced,
)
from risk.registry.keys import KeyStore, Signer, TrustedKey
from risk.registry.lineage import trained_on_synthetic
from risk.registry.lock import writers_lock
from risk.registry.pointer import active_stack, read_pointer, write_pointer  # noqa: F401
from risk.registry.signing import check_signature_file
from risk.registry.version import (  # noqa: F401 - part of this module's API
    CARD_FILE,
    CHAI_FILE,
    MANIFEST_FILE,
    MODEL_FILE,
    POINTER_FILE,
    RESERVED_NAMES,
    SIGNATURE_FILE,
    TESTPACK_FILE,
    VERSION_FILES,
    LoadedModel,
    VersionInfo,
    check_version_name,
    parse_card,
    parse_json,
    parse_manifest,
    read_file,
    read_hashed_files,
)
from risk.registry.writing import new_version_name, write_signature, write_version

#: Environment variable that moves the default registry folder.
MODEL_DIR_ENV = "RISK_MODEL_DIR"


def default_model_dir() -> Path:
    """``$RISK_MODEL_DIR`` when set, else the repository's ``models/`` folder."""
    from_env = os.environ.get(MODEL_DIR_ENV)
    if from_env:
        return Path(from_env)
    return Path(risk.__file__).resolve().parents[2] / "models"


class Registry:
    """A registry folder. Readers never lock; writers hold ``.lock`` while writing.

    Parameters
    ----------
    root : path, optional
        The registry folder; default :func:`default_model_dir`.
    keys : KeyStore, optional
        The trust store; default ``KeyStore()`` (``$RISK_KEYS_DIR`` and the release key).
    """

    def __init__(self, root: str | os.PathLike[str] | None = None,
                 keys: KeyStore | None = None) -> None:
        self.root = Path(root) if root is not None else default_model_dir()
        self.keys = keys if keys is not None else KeyStore()

    def __repr__(self) -> str:
        return f"Registry({str(self.root)!r})"

    # ----------------------------------------------------------------- reading
    def active_version(self, tolerate_damage: bool = False) -> str | None:
        """The served version's name, or None when nothing is active (cheap); a damaged
        pointer raises a RegistryError, or reads as None with ``tolerate_damage``."""
        pointer = self._read_pointer(tolerate_damage)
        return pointer["active"] if pointer else None

    def history(self, tolerate_damage: bool = False) -> list[dict[str, Any]]:
        """Activations and rollbacks, oldest first (versions and times only)."""
        pointer = self._read_pointer(tolerate_damage)
        return list(pointer["history"]) if pointer else []

    def versions(self) -> list[str]:
        """Names of the version folders (finished saves only), oldest name first."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir()
                      if p.is_dir() and not p.name.startswith(".")
                      and p.name not in RESERVED_NAMES)

    def verify(self, version: str) -> dict[str, bytes]:
        """The verified bytes of a version's files, by file name.

        Raises RegistryError when the version is missing, incomplete, not signed by a
        trusted key, or any file differs from its manifest (a modified file is named).
        """
        return self._verified(version)[0]

    def signer(self, version: str) -> TrustedKey:
        """The trusted key that signed ``version`` (verified as :meth:`verify`)."""
        return self._verified(version)[1]

    def _verified(self, version: str) -> tuple[dict[str, bytes], TrustedKey]:
        contents = self._hashed(version)
        key = check_signature_file(self.root / version, contents[MANIFEST_FILE], version,
                                   self.keys, self.root)
        return contents, key

    def _hashed(self, version: str) -> dict[str, bytes]:
        """The version's files checked against its manifest (the signature not yet)."""
        check_version_name(version)
        if not (self.root / version).is_dir():
            known = ", ".join(self.versions()) or "none"
            raise RegistryError(
                f"no model version '{version}' in {self.root} (available: {known})")
        return read_hashed_files(self.root / version, version)

    def manifest_sha256(self, version: str) -> str:
        """The sha256 of a version's manifest as it is now (cheap: no file is verified)."""
        check_version_name(version)
        return sha256(read_file(self.root / version / MANIFEST_FILE, version))

    def read(self, version: str) -> tuple[dict[str, Any], ModelCard]:
        """The verified parameters (a plain dict, no model built) and card of a version."""
        contents = self.verify(version)
        self._check_against_pointer(version, contents[MANIFEST_FILE])
        return (parse_json(contents[MODEL_FILE], version, MODEL_FILE),
                parse_card(contents[CARD_FILE], version))

    def load(self, version: str | None = None) -> LoadedModel:
        """Load a verified version (default: the active one) as a fitted model."""
        version = version or self._require_active()
        params, card = self.read(version)
        from risk.errors import ModelError
        from risk.model import BiopsyRiskModel  # heavy: only when a model is needed

        try:
            model = BiopsyRiskModel.from_dict(params)
        except (KeyError, TypeError, ValueError, ModelError) as exc:
            raise RegistryError(
                f"model version '{version}' cannot be read by this version of the "
                f"code ({type(exc).__name__}: {exc})") from None
        return LoadedModel(version=version, model=model, card=card,
                           synthetic=trained_on_synthetic(card, self.card_or_none))

    def card_or_none(self, version: str) -> ModelCard | None:
        """A version's card, or None when it cannot be read (lineage walks parents)."""
        try:
            return self.read(version)[1]
        except (RegistryError, OSError):
            return None

    def show(self, version: str) -> dict[str, Any]:
        """Everything stored about a version, for people: card, manifest, status."""
        contents = self.verify(version)
        self._check_against_pointer(version, contents[MANIFEST_FILE])
        return {"version": version, "active": version == self.active_version(),
                "status": "ok",
                "card": parse_card(contents[CARD_FILE], version),
                "manifest": parse_json(contents[MANIFEST_FILE], version, MANIFEST_FILE),
                "model": parse_json(contents[MODEL_FILE], version, MODEL_FILE)}

    def list_versions(self) -> list[VersionInfo]:
        """Every version with its status and signer (a damaged one is listed, not
        hidden; a damaged active pointer marks none active)."""
        pointer = self._read_pointer(tolerate_damage=True)
        active = pointer["active"] if pointer else None
        rows = []
        for name in self.versions():
            try:
                contents, key = self._verified(name)
                self._check_against_pointer(name, contents[MANIFEST_FILE], pointer)
                card = parse_card(contents[CARD_FILE], name)
            except RegistryError as exc:  # listed with the reason, not hidden
                rows.append(VersionInfo(name, None, None, None, name == active, str(exc)))
                continue
            rows.append(VersionInfo(
                version=name, created_utc=card.created_utc, kind=card.kind,
                parent=card.parent, active=name == active, status="ok",
                patients=card.training_data.patients, events=card.training_data.events,
                signed_by=key.describe()))
        return sorted(rows, key=lambda r: (r.created_utc or "", r.version))

    # ----------------------------------------------------------------- writing
    def save(self, params: dict[str, Any], card: ModelCard, version: str | None = None,
             activate: bool = False, signer: Signer | None = None) -> str:
        """Write a new version (never overwriting one) and return its name.

        Parameters
        ----------
        params : dict
            ``BiopsyRiskModel.to_dict()``: plain JSON, no patient rows.
        card : ModelCard
            The model card (:func:`risk.registry.card.build_card`); ``version`` is set.
        version : str, optional
            An explicit name; default ``<UTC time>-<6 hex of the parameters' hash>``.
        activate : bool
            Also make it the active version (in the same locked step).
        signer : Signer, optional
            The key that signs its manifest; default the site's key
            (:meth:`KeyStore.site_signer`, made on first use).

        Parameters of a served model pair get their reference test pack, computed here
        (:mod:`risk.model.testpack`) and listed in the manifest: the Retrain page,
        ``train`` and ``recalibrate`` all save through this method. So does its CHAI
        Applied Model Card (``chai_card.json``, :mod:`risk.registry.chai`).
        """
        from risk.registry.chai import chai_for
        from risk.registry.testpack import pack_for

        model_bytes = canonical_json(params)
        if version is not None:
            check_version_name(version)
        signer = signer or self.keys.site_signer()
        pack = pack_for(model_bytes)  # before the lock: about a second of predictions
        with self._writing():
            name = version or new_version_name(self.root, model_bytes)
            if (self.root / name).exists():
                raise RegistryError(
                    f"model version '{name}' already exists in {self.root}; versions are "
                    "never overwritten: choose another name")
            named = card.with_version(name)
            write_version(self.root, name, model_bytes, named.to_json(), signer,
                                {**({TESTPACK_FILE: pack} if pack is not None else {}),
                                 CHAI_FILE: chai_for(named, self.card_or_none)})
            if activate:
                self._activate_locked(name, "activate")
        return name

    def activate(self, version: str) -> str:
        """Serve ``version`` from now on (it is verified first). Returns it."""
        with self._writing():
            self._activate_locked(version, "activate")
        return version

    def sign(self, version: str, signer: Signer) -> bool:
        """Sign (or sign again) a version whose files match its manifest: the one change
        a version folder ever sees, its ``manifest.sig`` replaced atomically.

        When ``version`` is active and signed by a trusted key, the pointer then records
        its manifest (after e.g. a file was added to the shipped version); returns True
        when the pointer changed."""
        with self._writing():
            manifest_bytes = self._hashed(version)[MANIFEST_FILE]
            write_signature(self.root, version, manifest_bytes, signer)
            pointer = self._read_pointer(tolerate_damage=True)
            if not pointer or pointer["active"] != version or \
                    pointer.get("manifest_sha256") == sha256(manifest_bytes) or \
                    signer.key_id not in self.keys.trusted():
                return False
            self._activate_locked(version, "sign")
            return True

    def add_reference_pack(self, version: str, signer: Signer | None = None) -> str:
        """Give a version saved before test packs existed its pack: computed here, listed
        in its manifest, which ``signer`` (default the site's key) signs again; the active
        pointer records the new manifest's hash, an event of its history. Returns the
        pack's sha256. (A crash before the new signature leaves a version refused as
        altered: ``keys sign VERSION`` signs it again.)"""
        from risk.registry.testpack import discard_unlisted_pack, write_pack_into

        return self._add_listed_file(
            version, TESTPACK_FILE, "add test pack", discard_unlisted_pack,
            lambda contents: write_pack_into(self.root, version, contents), signer)

    def add_chai_card(self, version: str, signer: Signer | None = None) -> str:
        """Give a version saved before CHAI cards existed its ``chai_card.json``, as
        :meth:`add_reference_pack` does its pack. Returns the file's sha256."""
        from risk.registry.chai import discard_unlisted_chai, write_chai_into

        def write(contents: dict[str, bytes]) -> bytes:
            card = parse_card(contents[CARD_FILE], version)
            return write_chai_into(self.root / version, contents, card, self.card_or_none)

        return self._add_listed_file(version, CHAI_FILE, "add CHAI card",
                                     discard_unlisted_chai, write, signer)

    def _add_listed_file(self, version: str, name: str, action: str,
                         discard: Callable[[Path], object],
                         write: Callable[[dict[str, bytes]], bytes],
                         signer: Signer | None) -> str:
        """The one way a file joins a saved version: a leftover unlisted copy discarded,
        the version verified, ``write`` adding the file and returning the new manifest,
        which is signed; the active pointer records it. Returns the file's sha256."""
        check_version_name(version)
        signer = signer or self.keys.site_signer()
        with self._writing():
            discard(self.root / version)
            contents = self.verify(version)
            self._check_against_pointer(version, contents[MANIFEST_FILE])
            manifest_bytes = write(contents)
            write_signature(self.root, version, manifest_bytes, signer)
            if self.active_version() == version:
                write_pointer(self.root, version, sha256(manifest_bytes), action)
        return str(parse_manifest(manifest_bytes, version)["files"][name])

    def rollback(self) -> str:
        """Serve the version that was active before the current one. Returns it."""
        with self._writing():
            pointer = self._read_pointer()
            stack = active_stack(pointer["history"] if pointer else [])
            if len(stack) < 2:
                raise RegistryError(
                    f"no earlier active version to roll back to in {self.root}; "
                    "use 'models activate VERSION' to choose one")
            self._activate_locked(stack[-2], "rollback")
            return stack[-2]

    # ----------------------------------------------------------------- internals
    def _require_active(self) -> str:
        active = self.active_version()
        if not active:
            raise RegistryError(
                f"no active model in {self.root}: train one with 'python -m risk train "
                "--data FILE --activate' or choose one with 'python -m risk models "
                "activate VERSION'")
        return active

    def _read_pointer(self, tolerate_damage: bool = False) -> dict[str, Any] | None:
        return read_pointer(self.root, tolerate_damage)

    def _check_against_pointer(self, version: str, manifest_bytes: bytes,
                               pointer: dict[str, Any] | None = None) -> None:
        """The active version must be the one activated, manifest included."""
        pointer = pointer if pointer is not None else self._read_pointer(tolerate_damage=True)
        if pointer and pointer["active"] == version and \
                pointer.get("manifest_sha256") != sha256(manifest_bytes):
            raise RegistryError(
                f"model version '{version}' was modified: {MANIFEST_FILE} differs from "
                "the one recorded when it was activated; refusing to load it")

    def _writing(self) -> contextlib.AbstractContextManager[None]:
        return writers_lock(self.root)

    def _activate_locked(self, version: str, action: str) -> None:
        manifest_hash = sha256(self.verify(version)[MANIFEST_FILE])
        write_pointer(self.root, version, manifest_hash, action)


def load(version: str | None = None, model_dir: str | os.PathLike[str] | None = None
         ) -> LoadedModel:
    """Shortcut for ``Registry(model_dir).load(version)``."""
    return Registry(model_dir).load(version)
