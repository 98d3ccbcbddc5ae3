"""`python -m risk COMMAND ...`: one module per command, imported only when used.

Each command module defines ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int``. Errors a user can act on are :class:`risk.errors.RiskError`: one
clear line each, exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import NoReturn

from risk.i18n import LANGUAGES, _, language_from_locale, use_language

#: command name -> module under risk.cli (kept light: heavy imports happen in run()).
COMMANDS = {
    "validate": "validate",
    "generate": "generate",
    "train": "train",
    "predict": "predict",
    "models": "models",
    "evaluate": "evaluate",
    "recalibrate": "recalibrate",
    "pool": "pool",
    "keys": "keys",
}

EXIT_OK = 0
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line, like every other error (and a pointer to --help)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, _("error: {message} (see '{command} --help')").format(
            message=message, command=self.prog) + "\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m risk",
        description="Survival risk for GEP-NET liver metastases: validate cohorts, "
        "generate the synthetic cohort, train, predict, evaluate and manage models.",
    )
    parser.add_argument("--lang", choices=list(LANGUAGES), default=None,
                        help="language of the messages (default: from LC_ALL, LC_MESSAGES "
                        "or LANG; zh_Hans for a Chinese locale, else en)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        try:
            module = importlib.import_module(f"risk.cli.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"risk.cli.{module_name}":
                raise
            continue  # a command not built yet is simply not offered
        cmd = sub.add_parser(name, help=module.HELP, description=module.__doc__,
                             formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    from risk.errors import RiskError

    use_language(_language_asked(sys.argv[1:] if argv is None else argv)
                 or _environment_language())  # before parsing: its usage errors too
    parser = build_parser()
    args = parser.parse_args(argv)
    use_language(args.lang or _environment_language())
    if not getattr(args, "_run", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args._run(args) or 0)
    except RiskError as exc:
        print(_("error: {message}").format(message=exc), file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        return EXIT_OK
    except KeyboardInterrupt:
        print(_("error: interrupted"), file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - a user never sees a traceback
        print(_("error: unexpected {name}: {message}").format(name=type(exc).__name__,
                                                            message=exc), file=sys.stderr)
        return EXIT_USAGE


def _language_asked(argv: list[str]) -> str | None:
    """The language of ``--lang X`` (or ``--lang=X``) before COMMAND, if it is one."""
    for i, arg in enumerate(argv):
        if not arg.startswith("-"):
            return None  # COMMAND: its own options follow
        value = arg.partition("=")[2] if arg.startswith("--lang=") else \
            argv[i + 1] if arg == "--lang" and i + 1 < len(argv) else None
        if value in LANGUAGES:
            return value
    return None


def _environment_language() -> str:
    """The language of the locale the command runs in (the first of the POSIX variables
    that is set, as gettext reads them)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if os.environ.get(name):
            return language_from_locale(os.environ[name])
    return language_from_locale(None)
