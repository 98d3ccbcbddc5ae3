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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from risk.evaluation import EvaluationReport
    from risk.registry import CardMetrics, Registry

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
        print(f"active model: {args.version} (it already was)" if previous == args.version
              else f"active model: {args.version} (was {previous or 'none'})")
    elif args.action == "rollback":
        previous = registry.active_version(tolerate_damage=True)
        version = registry.rollback()
        print(f"active model: {version} (rolled back from {previous})")
    elif args.action in ("testpack", "chai", "verify"):
        return _testpack(registry, args)
    elif args.action == "history":
        if not registry.history():
            print(f"no model version has been activated in {registry.root} yet")
        for event in registry.history():
            print(f"{event['utc']}  {event['action']:<8}  {event['version']}"
                  f"  (previous: {event.get('previous') or 'none'})")
    return 0


def _testpack(registry: Registry, args: argparse.Namespace) -> int:
    import time

    from risk.errors import RiskError
    from risk.registry import stored_chai, stored_pack, verify_version

    what = "CHAI model card" if args.action == "chai" else "reference test pack"
    if args.action in ("testpack", "chai") and args.store:
        from risk.cli.keys import site_signer
        from risk.registry import load_signer

        signer = load_signer(args.key) if args.key else site_signer(registry)
        add = registry.add_chai_card if args.action == "chai" else registry.add_reference_pack
        digest = add(args.version, signer)
        print(f"stored the {what} of {args.version} (sha256 {digest}), listed it in its "
              f"manifest and signed that with key {signer.key_id}")
        return 0
    if getattr(args, "key", None):
        raise RiskError("--key signs the manifest of --store only")
    if args.action in ("testpack", "chai"):
        data = (stored_chai if args.action == "chai" else stored_pack)(registry, args.version)
        try:
            with open(args.out, "wb") as handle:
                handle.write(data)
        except OSError as exc:
            raise RiskError(f"cannot write {args.out}: {exc.strerror or exc}") from None
        print(f"wrote the {what} of {args.version} to {args.out}")
        return 0
    pack = None
    if args.pack:
        try:
            with open(args.pack, "rb") as handle:
                pack = handle.read()
        except OSError as exc:
            raise RiskError(f"cannot read {args.pack}: {exc.strerror or exc}") from None
    start = time.perf_counter()
    check = verify_version(registry, args.version, pack)
    took = time.perf_counter() - start
    if check.passed:
        print(f"verified model version {args.version} on this installation: "
              f"{check.summary()} in {took:.2f} s")
        return 0
    print(f"model version {args.version} is NOT reproduced on this installation: "
          f"{check.patients - check.agreeing:,} of {check.patients:,} reference patients "
          f"differ ({check.differing_fields:,} fields); the first:")
    for difference in check.differences:
        print(f"  {difference}")
    return 2


def format_list(registry: Registry) -> str:
    rows = registry.list_versions()
    if not rows:
        return f"no model versions in {registry.root}"
    header = ("", "version", "created (UTC)", "kind", "parent", "patients", "events",
              "signed by", "status")
    table = [header] + [
        ("*" if r.active else "", r.version, r.created_utc or "-", r.kind or "-",
         r.parent or "-", _count(r.patients), _count(r.events), r.signed_by or "-",
         r.status) for r in rows]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header) - 1)]
    lines = ["  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=False)) +
             "  " + row[-1] for row in table]
    return "\n".join(line.rstrip() for line in lines)


def _count(value: object) -> str:
    return "-" if value is None else str(value)


INDENT = " " * 16  # continuation lines line up under the values


def _stored(value: object) -> dict[str, Any]:
    """A card's mapping or record as stored in card.json (keys sorted), for listing."""
    plain = value.to_dict() if hasattr(value, "to_dict") else value
    stored: dict[str, Any] = json.loads(json.dumps(plain, sort_keys=True))
    return stored


def format_card(shown: dict[str, Any]) -> str:
    """A model card for people: what it is for, what it learnt from, what it weighs.

    ``shown`` is :meth:`risk.registry.store.Registry.show`'s (its card a ModelCard)."""
    card = shown["card"]
    lines = [
        f"version:        {shown['version']}{'  (active)' if shown['active'] else ''}",
        f"kind:           {card.kind}" + (f" from {card.parent}" if card.parent else ""),
        f"created (UTC):  {card.created_utc}",
        f"intended use:   {card.intended_use}",
        "training data:  " + ", ".join(f"{k} {_value(v)}"
                                       for k, v in _stored(card.training_data).items()),
        "settings:       " + (", ".join(f"{k} {_value(v)}"
                                        for k, v in _stored(card.settings).items()) or "-"),
    ]
    metric_lines = _metric_lines(card.metrics)
    lines.append("metrics:        " + (metric_lines[0] if metric_lines else "not evaluated yet"))
    lines += [INDENT + line for line in metric_lines[1:]]
    lines.append("libraries:      " + ", ".join(f"{k} {v}"
                                                for k, v in _stored(card.libraries).items()))
    if card.notes:
        lines.append(f"notes:          {card.notes}")
    lines += _coefficients(shown.get("model", {}))
    lines.append("files (sha256): " + ", ".join(
        f"{name} {digest[:12]}" for name, digest in shown["manifest"]["files"].items()))
    return "\n".join(lines)


def _value(value: object) -> str:
    """A setting or metric as text: floats to 4 significant digits, mappings inline."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return str(value)


def _metric_lines(metrics: CardMetrics) -> list[str]:
    """The stored metrics (a card's CardMetrics), one idea per line. A stored validation
    report is summarised, not dumped: ``models show VERSION --json`` and the Model page
    have all of it."""
    plain, lines = [], []
    for key, value in _stored(metrics).items():
        if key == "evaluation" and isinstance(value, dict):
            lines.append(_evaluation_line(metrics.stored_report()))
        elif isinstance(value, dict):  # e.g. the active model measured on the same cohort
            inner = {k: v for k, v in value.items() if k not in ("version", "measured_on")}
            head = f"{key} {value['version']}" if value.get("version") else key
            lines.append(f"{head}: " + ", ".join(f"{k} {_value(v)}" for k, v in inner.items())
                         + (f"; measured on {value['measured_on']}" if value.get("measured_on")
                            else ""))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            lines.append(f"{key}:")  # e.g. observed vs predicted survival per month
            lines += ["  " + ", ".join(f"{k} {_value(v)}" for k, v in row.items())
                      for row in value]
        else:
            plain.append(f"{key} {_value(value)}")
    return ([", ".join(plain)] if plain else []) + lines


def _evaluation_line(report: EvaluationReport | None) -> str:
    """The headline of a stored validation report (an EvaluationReport), in one line."""
    if report is None:
        return "validation report: not readable by this version of the code"
    served = report.headline

    def interval(key: str) -> str:
        value, (lo, hi) = served.value(key), served.interval(key)
        text = "n/a" if value is None else f"{value:.3f}"
        return text if lo is None or hi is None or value is None else \
            f"{text} ({lo:.3f}-{hi:.3f})"

    boot = report.settings.bootstrap
    parts = [f"Harrell's C {interval('harrell_c')}"]
    if served.harrell_c_corrected is not None:
        parts.append(f"optimism-corrected {served.harrell_c_corrected:.3f}")
    if served.calibration_slope_60 is not None:
        parts.append(f"calibration slope at 60 months {served.calibration_slope_60:.3f}")
    if served.delta_c is not None:
        parts.append(f"C gained with the liver biopsy {interval('delta_c')}")
    return (f"validation report on {served.n} patients ({served.events} deaths"
            + (f", {boot} bootstrap resamples" if boot else "") + "): " + "; ".join(parts))


def _coefficients(params: dict[str, Any]) -> list[str]:
    """Each served model's log hazard ratios (per design column), as stored."""
    lines = []
    for key in ("biopsy_model", "comparator_model"):
        part = params.get(key)
        if not isinstance(part, dict) or "coefficients" not in part:
            continue
        names = [c.get("name", "?") for c in part.get("columns", [])]
        lines.append(f"{key.replace('_', ' ')}: log hazard ratios (penalizer "
                     f"{part.get('penalizer')})")
        width = max((len(n) for n in names), default=0)
        lines += [f"  {name:<{width}}  {value:+.4f}"
                  for name, value in zip(names, part["coefficients"], strict=False)]
    return lines
