"""Manage the saved model versions.

  python -m risk models list                 every version, newest last; * marks the served one
  python -m risk models show VERSION         its model card: intended use, training data
                                             (fingerprint and counts), metrics, libraries
  python -m risk models activate VERSION     serve VERSION from now on (verified first)
  python -m risk models rollback             serve the version that was active before
  python -m risk models history              every activation and rollback, with times
  python -m risk models testpack VERSION --out pack.csv
                                             write VERSION's reference test pack (>= 1,000
                                             patients and the outputs expected for them)
  python -m risk models testpack VERSION --store
                                             compute and store the pack of a version saved
                                             before packs existed (listed in its manifest)
  python -m risk models chai VERSION --out chai_card.json | --store
                                             VERSION's CHAI Applied Model Card: write it, or
                                             store it for a version saved before CHAI cards
  python -m risk models verify VERSION [--pack pack.csv]
                                             re-compute the pack here: exit 0 when every
                                             output agrees, 2 listing the first differences

Versions are never changed or deleted by these commands. A version whose files were
modified, that is not signed, or is signed by a key not trusted here (see 'python -m risk
keys list') is listed with the reason and can be neither loaded nor activated. A damaged
'active' pointer does not stop 'list' (no version is marked active then).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from risk.i18n import N_, _, format_integer, format_number, ngettext

if TYPE_CHECKING:
    from risk.registry import Registry

HELP = "list, show, activate or roll back the saved model versions; their test packs and CHAI cards"


def model_dir_path(text: str) -> str:
    """A registry folder: it may not exist yet (train creates it), but is never a file."""
    if not text.strip():
        raise argparse.ArgumentTypeError("give a folder name")
    if os.path.exists(text) and not os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text!r} is a file, not a folder")
    return text


def add_model_dir(parser: argparse.ArgumentParser, default: str | None = None) -> None:
    """``--model-dir``, shared by every command that reads or writes the registry."""
    parser.add_argument(
        "--model-dir", metavar="DIR", default=default, type=model_dir_path,
        help="the model registry folder (default: $RISK_MODEL_DIR, else the "
             "repository's models/ folder)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_dir(parser)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="every saved version and which one is active")
    show = actions.add_parser("show", help="a version's model card and coefficients")
    show.add_argument("version", metavar="VERSION")
    show.add_argument("--json", action="store_true",
                      help="print the card, manifest and parameters as JSON")
    activate = actions.add_parser(
        "activate", help="serve VERSION from now on",
        description="Serve VERSION to the patient page and the command line from now on. "
        "Its files are verified first; the previous active version stays in the history, "
        "so 'python -m risk models rollback' undoes this.")
    activate.add_argument("version", metavar="VERSION",
                          help="a version name from 'python -m risk models list'")
    rollback = actions.add_parser(
        "rollback", help="serve the version that was active before the current one",
        description="Serve the version that was active before the current one (see "
        "'python -m risk models history'). Nothing is deleted; run it again to go back "
        "further.")
    history = actions.add_parser("history", help="every activation and rollback, with times")
    testpack = actions.add_parser(
        "testpack", help="write a version's reference test pack, or store a missing one",
        description="Every version saved since test packs exist holds testpack.csv: at "
        "least 1,000 reference patients spanning every input level and edge, with the "
        "outputs computed when the version was saved (survival at each horizon with 95% "
        "intervals, median, risk group, the model of the pair used, flags, grade "
        "sensitivity, PFS). --out writes it; --store computes and stores it for a version "
        "saved before packs existed (e.g. the shipped synthetic-v1).")
    testpack.add_argument("version", metavar="VERSION")
    where = testpack.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", metavar="FILE", help="write the stored pack to FILE")
    where.add_argument("--store", action="store_true",
                       help="compute the pack and add it to VERSION's folder and manifest, "
                            "which is signed again (--key, default the site's key)")
    testpack.add_argument("--key", metavar="PEM", type=Path, default=None,
                          help="with --store: the private key that signs the new manifest "
                               "(e.g. the release key for the shipped version)")
    chai = actions.add_parser(
        "chai", help="write a version's CHAI Applied Model Card, or store a missing one",
        description="Every version saved since CHAI cards exist holds chai_card.json: its "
        "model card in the structure of the CHAI Applied Model Card (v0.2), built from "
        "card.json. --out writes it; --store builds and stores it for a version saved "
        "before (e.g. the shipped synthetic-v1).")
    chai.add_argument("version", metavar="VERSION")
    chai_where = chai.add_mutually_exclusive_group(required=True)
    chai_where.add_argument("--out", metavar="FILE", help="write the stored card to FILE")
    chai_where.add_argument("--store", action="store_true",
                            help="build the card and add it to VERSION's folder and "
                                 "manifest, which is signed again (--key)")
    chai.add_argument("--key", metavar="PEM", type=Path, default=None,
                      help="with --store: the private key that signs the new manifest")
    verify = actions.add_parser(
        "verify", help="re-compute a version's reference test pack on this installation",
        description="Predict the reference test pack's patients with VERSION on this "
        "installation and compare every output with the pack: survival and months to "
        "1e-9 (relative above 1), risk groups, the model used, flags exactly. Exit 0 when "
        "all agree; else the first differing patients and fields are listed and the exit "
        "code is 2.")
    verify.add_argument("version", metavar="VERSION")
    verify.add_argument("--pack", metavar="FILE", default=None,
                        help="a pack file to check instead of the one stored with VERSION")
    for sub in (listing, show, activate, rollback, history, testpack, chai, verify):
        add_model_dir(sub, default=argparse.SUPPRESS)  # before or after ACTION


def run(args: argparse.Namespace) -> int:
    from risk.cli.card_text import format_card, pad, text_width
    from risk.present import version_history
    from risk.registry import Registry

    registry = Registry(args.model_dir)
    if args.action == "list":
        print(format_list(registry))
    elif args.action == "show":
        shown = registry.show(args.version)
        print(json.dumps({**shown, "card": shown["card"].to_dict()}, indent=1, sort_keys=True)
              if args.json else format_card(shown))
    elif args.action == "activate":
        previous = registry.active_version(tolerate_damage=True)
        registry.activate(args.version)
        print(_("active model: {version} (it already was)").format(version=args.version)
              if previous == args.version else
              _("active model: {version} (was {previous})").format(
                  version=args.version, previous=previous or _("none")))
    elif args.action == "rollback":
        previous = registry.active_version(tolerate_damage=True)
        version = registry.rollback()
        print(_("active model: {version} (rolled back from {previous})").format(
            version=version, previous=previous))
    elif args.action in ("testpack", "chai", "verify"):
        return _testpack(registry, args)
    elif args.action == "history":
        if not registry.history():
            print(_("no model version has been activated in {folder} yet").format(
                folder=registry.root))
        events = registry.history()
        actions = [version_history.ACTIONS.get(e["action"], e["action"]) for e in events]
        width = max([8, *(text_width(a) for a in actions)])
        for event, action in zip(events, actions, strict=True):
            print(f"{event['utc']}  {pad(action, width)}  {event['version']}  " + _(
                "(previous: {previous})").format(previous=event.get("previous") or _("none")))
    return 0


def _testpack(registry: Registry, args: argparse.Namespace) -> int:
    import time

    from risk.errors import RiskError
    from risk.registry import stored_chai, stored_pack, verify_version

    chai = args.action == "chai"
    if args.action in ("testpack", "chai") and args.store:
        from risk.cli.keys import site_signer
        from risk.registry import load_signer

        signer = load_signer(args.key) if args.key else site_signer(registry)
        add = registry.add_chai_card if chai else registry.add_reference_pack
        digest = add(args.version, signer)
        print((_("stored the CHAI model card of {version} (sha256 {digest}), listed it in its "
                 "manifest and signed that with key {key}") if chai else
               _("stored the reference test pack of {version} (sha256 {digest}), listed it in "
                 "its manifest and signed that with key {key}")).format(
            version=args.version, digest=digest, key=signer.key_id))
        return 0
    if getattr(args, "key", None):
        raise RiskError(_("--key signs the manifest of --store only"))
    if args.action in ("testpack", "chai"):
        data = (stored_chai if chai else stored_pack)(registry, args.version)
        try:
            with open(args.out, "wb") as handle:
                handle.write(data)
        except OSError as exc:
            raise RiskError(_("cannot write {path}: {reason}").format(
                path=args.out, reason=exc.strerror or exc)) from None
        print((_("wrote the CHAI model card of {version} to {path}") if chai else
               _("wrote the reference test pack of {version} to {path}")).format(
            version=args.version, path=args.out))
        return 0
    pack = None
    if args.pack:
        try:
            with open(args.pack, "rb") as handle:
                pack = handle.read()
        except OSError as exc:
            raise RiskError(_("cannot read {path}: {reason}").format(
                path=args.pack, reason=exc.strerror or exc)) from None
    start = time.perf_counter()
    check = verify_version(registry, args.version, pack)
    took = time.perf_counter() - start
    if check.passed:
        print(_("verified model version {version} on this installation: {summary} in "
                "{seconds} s").format(version=args.version, summary=check.summary(),
                                      seconds=format_number(took, 2)))
        return 0
    print(ngettext("model version {version} is NOT reproduced on this installation: {differ} "
                   "of {patients} reference patients differ ({fields} fields); the first:",
                   "model version {version} is NOT reproduced on this installation: {differ} "
                   "of {patients} reference patients differ ({fields} fields); the first:",
                   check.patients).format(
        version=args.version, differ=format_integer(check.patients - check.agreeing),
        patients=format_integer(check.patients), fields=format_integer(check.differing_fields)))
    for difference in check.differences:
        print(f"  {difference}")
    return 2


#: The columns of ``models list`` (after the active mark).
_LIST_COLUMNS = (N_("version"), N_("created (UTC)"), N_("kind"), N_("parent"),
                 N_("patients"), N_("events"), N_("signed by"), N_("status"))


def format_list(registry: Registry) -> str:
    from risk.cli.card_text import pad, text_width
    from risk.present import version_history

    rows = registry.list_versions()
    if not rows:
        return _("no model versions in {folder}").format(folder=registry.root)
    header = ("", *(_(name) for name in _LIST_COLUMNS))
    table = [header] + [
        ("*" if r.active else "", r.version, r.created_utc or "-",
         version_history.kind_label(r.kind) if r.kind else "-", r.parent or "-",
         _count(r.patients), _count(r.events), r.signed_by or "-",
         _("ok") if r.status == "ok" else r.status)
        for r in rows]
    widths = [max(text_width(str(row[i])) for row in table) for i in range(len(header) - 1)]
    lines = ["  ".join(pad(str(cell), w) for cell, w in zip(row, widths, strict=False)) +
             "  " + row[-1] for row in table]
    return "\n".join(line.rstrip() for line in lines)


def _count(value: object) -> str:
    return "-" if value is None else str(value)
