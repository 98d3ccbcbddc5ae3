"""Manage the keys that sign model versions (the app and the CLI load only signed ones).

  python -m risk keys list                     every trusted key: the release key and
                                               the site's (* marks the site's signing key)
  python -m risk keys new                      make this site's signing key (train,
                                               recalibrate and the Retrain page sign with it)
  python -m risk keys new --rotate             replace it; the old public key stays trusted
  python -m risk keys new --out FILE           a key pair elsewhere (FILE, FILE.pub), e.g.
                                               the release key; trusted nowhere yet
  python -m risk keys trust FILE.pub           accept versions signed by that key
  python -m risk keys sign VERSION [--key PEM] sign (again) a version whose files match
                                               its manifest (default key: the site's)

The site's keys live in $RISK_KEYS_DIR, by default ~/.config/gepnet-risk/keys (outside
the models/ folder, so whoever can write models/ cannot choose what is trusted).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from risk.cli.models import add_model_dir
from risk.i18n import _

if TYPE_CHECKING:
    from risk.registry import KeyStore, Registry, Signer

HELP = "list, make and trust the keys that sign model versions; sign a version"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--keys-dir", metavar="DIR", default=None,
                        help="the site's keys folder (default: $RISK_KEYS_DIR, else "
                             "~/.config/gepnet-risk/keys)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="every trusted key and the site's signing key")
    new = actions.add_parser("new", help="make the site's signing key (or a key pair)")
    new.add_argument("--rotate", action="store_true",
                     help="replace the site's key; what the old one signed still loads")
    new.add_argument("--out", metavar="FILE", type=Path,
                     help="write a new key pair to FILE and FILE.pub instead (not trusted "
                          "until 'keys trust FILE.pub')")
    trust = actions.add_parser("trust", help="accept versions signed by a public key")
    trust.add_argument("public_key", metavar="FILE.pub", type=Path)
    sign = actions.add_parser(
        "sign", help="sign a version (again) with a private key",
        description="Sign VERSION's manifest. Its files are checked against the manifest "
        "first: a modified version is never signed.")
    sign.add_argument("version", metavar="VERSION")
    sign.add_argument("--key", metavar="PEM", type=Path,
                      help="the private key (default: the site's signing key)")
    add_model_dir(sign)


def run(args: argparse.Namespace) -> int:
    from risk.registry import KeyStore

    keys = KeyStore(args.keys_dir)
    if args.action == "list":
        print(format_keys(keys))
    elif args.action == "new":
        _new(keys, args)
    elif args.action == "trust":
        from risk.registry import read_file_bytes

        key, added = keys.trust(read_file_bytes(args.public_key), str(args.public_key))
        print(_("trusted key {key} ({path})").format(key=key.key_id, path=key.path) if added
              else _("key {key} was trusted already ({where})").format(
                  key=key.key_id, where=key.describe()))
    elif args.action == "sign":
        _sign(keys, args)
    return 0


def _new(keys: KeyStore, args: argparse.Namespace) -> None:
    from risk.registry import write_key_pair

    if args.out is not None:
        signer = write_key_pair(args.out)
        import base64

        from risk.registry import read_public_key

        public = Path(f"{args.out}.pub").read_bytes()
        raw = base64.b64encode(read_public_key(public, f"{args.out}.pub")).decode("ascii")
        print(_("new key {key}: private half {private} (keep it secret, never commit it), "
                "public half {public}").format(key=signer.key_id, private=args.out,
                                               public=f"{args.out}.pub"))
        print(_("as a release key (risk/registry/release_keys.py): {raw}").format(
            raw=repr(raw)))
        return
    signer = keys.new_site_key(rotate=args.rotate)
    print(_("new site signing key {key} in {folder}; versions saved here are signed with it "
            "and its public half is trusted").format(key=signer.key_id, folder=keys.root))


def _sign(keys: KeyStore, args: argparse.Namespace) -> None:
    from risk.registry import Registry, load_signer

    signer = load_signer(args.key) if args.key else keys.site_signer()
    if signer.created:
        print(created_notice(keys, signer))
    registry = Registry(args.model_dir, keys=keys)
    repointed = registry.sign(args.version, signer)
    trusted = signer.key_id in keys.trusted()
    print(_("signed model version {version} with key {key}").format(
        version=args.version, key=signer.key_id)
          + (_("; it stays active, its new manifest recorded in the pointer") if repointed
             else "")
          + ("" if trusted else _("; this key is not trusted here, so the version is refused "
                                  "until 'python -m risk keys trust' is given its public half")))


def site_signer(registry: Registry) -> Signer:
    """The key ``train`` and ``recalibrate`` sign with: the site's, made on first use
    (and said so)."""
    signer = registry.keys.site_signer()
    if signer.created:
        print(created_notice(registry.keys, signer), flush=True)
    return signer


def created_notice(keys: KeyStore, signer: Signer) -> str:
    """Said when a save made the site's signing key on first use."""
    return _("created this site's signing key {key} in {folder} (first save here); its "
             "public half is trusted: see 'python -m risk keys list'").format(
        key=signer.key_id, folder=keys.root)


def format_keys(keys: KeyStore) -> str:
    trusted = keys.trusted()
    site = keys.site_key_path
    signing = None
    if site.exists():
        from risk.registry import load_signer

        signing = load_signer(site).key_id
    lines = [_("trust store: the release key(s) shipped in the package and {folder}").format(
        folder=keys.root)]
    if not trusted:
        lines.append(_("no trusted keys: every model version will be refused"))
    origins = {key.key_id: key.origin_name() for key in trusted.values()}
    width = max((len(o) for o in origins.values()), default=0)
    for key in trusted.values():
        mark = "*" if key.key_id == signing else " "
        where = str(key.path) if key.path else _("shipped in the package")
        lines.append(f"{mark} {key.key_id}  {origins[key.key_id]:<{width}}  {where}")
    lines.append(_("site signing key: {key} ({path})").format(key=signing, path=site)
                 if signing else
                 _("site signing key: none yet (made on the first save, or 'python -m risk "
                   "keys new'; it would be {path})").format(path=site))
    return "\n".join(lines)
