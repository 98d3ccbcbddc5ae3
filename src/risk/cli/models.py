"""Manage the saved model versions.

  python -m risk models list                 every version, newest last; * marks the served one
  python -m risk models show VERSION         its model card: intended use, training data
                                             (fingerprint and counts), metrics, libraries
  python -m risk models activate VERSION     serve VERSION from now on (verified first)
  python -m risk models rollback             serve the version that was active before
  python -m risk models history              every activation and rollback, with times

Versions are never changed or deleted by these commands. A version whose files were
modified is listed with the reason and can be neither loaded nor activated.
"""

from __future__ import annotations

import argparse
import json

HELP = "list, show, activate or roll back the saved model versions"


def add_model_dir(parser: argparse.ArgumentParser, default=None) -> None:
    """``--model-dir``, shared by every command that reads or writes the registry."""
    parser.add_argument(
        "--model-dir", metavar="DIR", default=default,
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
    for sub in (listing, show, activate, rollback, history):
        add_model_dir(sub, default=argparse.SUPPRESS)  # before or after ACTION


def run(args: argparse.Namespace) -> int:
    from risk.registry import Registry

    registry = Registry(args.model_dir)
    if args.action == "list":
        print(format_list(registry))
    elif args.action == "show":
        shown = registry.show(args.version)
        print(json.dumps(shown, indent=1, sort_keys=True) if args.json else format_card(shown))
    elif args.action == "activate":
        previous = registry.active_version()
        registry.activate(args.version)
        print(f"active model: {args.version} (was {previous or 'none'})")
    elif args.action == "rollback":
        previous = registry.active_version()
        version = registry.rollback()
        print(f"active model: {version} (rolled back from {previous})")
    elif args.action == "history":
        for event in registry.history():
            print(f"{event['utc']}  {event['action']:<8}  {event['version']}"
                  f"  (previous: {event.get('previous') or 'none'})")
    return 0


def format_list(registry) -> str:
    rows = registry.list_versions()
    if not rows:
        return f"no model versions in {registry.root}"
    header = ("", "version", "created (UTC)", "kind", "parent", "patients", "events", "status")
    table = [header] + [
        ("*" if r.active else "", r.version, r.created_utc or "-", r.kind or "-",
         r.parent or "-", _count(r.patients), _count(r.events), r.status) for r in rows]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header) - 1)]
    lines = ["  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=False)) +
             "  " + row[-1] for row in table]
    return "\n".join(line.rstrip() for line in lines)


def _count(value) -> str:
    return "-" if value is None else str(value)


def format_card(shown: dict) -> str:
    """A model card for people: what it is for, what it learnt from, what it weighs."""
    card = shown["card"]
    data = card.get("training_data", {})
    lines = [
        f"version:        {shown['version']}{'  (active)' if shown['active'] else ''}",
        f"kind:           {card.get('kind')}"
        + (f" from {card['parent']}" if card.get("parent") else ""),
        f"created (UTC):  {card.get('created_utc')}",
        f"intended use:   {card.get('intended_use')}",
        "training data:  " + ", ".join(f"{k} {v}" for k, v in data.items()),
        "settings:       " + (", ".join(f"{k} {v}" for k, v in card.get("settings", {}).items())
                              or "-"),
        "metrics:        " + (_metrics(card.get("metrics") or {}) or "not evaluated yet"),
        "libraries:      " + ", ".join(f"{k} {v}" for k, v in card.get("libraries", {}).items()),
    ]
    if card.get("notes"):
        lines.append(f"notes:          {card['notes']}")
    lines += _coefficients(shown.get("model", {}))
    lines.append("files (sha256): " + ", ".join(
        f"{name} {digest[:12]}" for name, digest in shown["manifest"]["files"].items()))
    return "\n".join(lines)


def _metrics(metrics: dict) -> str:
    parts = []
    for key, value in metrics.items():
        parts.append(f"{key} {value:.3f}" if isinstance(value, float) else f"{key} {value}")
    return ", ".join(parts)


def _coefficients(params: dict) -> list[str]:
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
