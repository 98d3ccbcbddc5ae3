"""Pool centres' site summaries of one model version: random-effects meta-analysis.

Each centre runs `python -m risk evaluate --data LOCAL.csv --summary-out site.json` on its
own patients and shares only that file (aggregates, no patient row). This command pools
the summaries per metric: REML between-centre variance, Hartung-Knapp-Sidik-Jonkman 95%
confidence interval, 95% prediction interval for a new centre, I^2; C on the logit scale
(Debray et al., BMJ 2017;356:i6460).

It writes DIR/pooled.json (per model and metric: estimate, ci, prediction_interval, tau2,
i2, method and each site's input) and DIR/pooled.html (a table and a forest plot per
metric; it opens offline).

Refused (exit 2, the file named): a file that is not a site summary (not JSON, missing or
wrongly typed fields), one changed after it was written (its integrity hash), summaries
of different model versions or hashes, fewer than 2 sites. Sites with counts only (fewer
than 10 deaths) are listed and left out of pooling.

Examples
  python -m risk pool a.json b.json c.json --out pooled
  python -m risk pool sites/*.json --out pooled --method DL
"""

from __future__ import annotations

import argparse

HELP = "pool centres' site summaries (random-effects meta-analysis: pooled.json, .html)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("summaries", metavar="SUMMARY", nargs="+",
                        help="site summary files (python -m risk evaluate --summary-out)")
    parser.add_argument("--out", metavar="DIR", required=True,
                        help="folder for pooled.json and pooled.html (created if needed)")
    parser.add_argument("--method", choices=("REML", "DL"), default="REML",
                        help="estimator of the between-centre variance tau^2: REML "
                             "(default) or DerSimonian-Laird")


def _read(paths: list[str]) -> list[tuple[str, bytes]]:
    from pathlib import Path

    from risk.errors import RiskError
    from risk.i18n import _

    files = []
    for name in paths:
        try:
            files.append((name, Path(name).read_bytes()))
        except OSError as exc:
            raise RiskError(_("{name}: cannot read it ({reason})").format(
                name=name, reason=exc.strerror or exc)) from None
    return files


def run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from risk.cli.evaluate import c_index_text
    from risk.errors import RiskError
    from risk.evaluation import pool_sites, read_site_summaries
    from risk.i18n import _, format_percent, ngettext
    from risk.present import render_pooled_html

    files = _read(args.summaries)
    summaries = read_site_summaries(files)
    pooled = pool_sites([(name, s) for (name, _), s in zip(files, summaries, strict=True)],
                        method=args.method)
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "pooled.json").write_text(
            json.dumps(pooled.to_dict(), indent=2, allow_nan=False) + "\n", encoding="utf-8")
        (out / "pooled.html").write_text(render_pooled_html(pooled), encoding="utf-8")
    except OSError as exc:
        raise RiskError(_("cannot write in {path}: {reason}").format(
            path=out, reason=exc.strerror or exc)) from None
    for note in pooled.notes:
        print(_("note: {note}").format(note=note))
    c = pooled.metrics["served"].get("harrell_c")
    if c is not None:
        print(ngettext("pooled Harrell's C {c} over {k} site; I^2 {i2}",
                       "pooled Harrell's C {c} over {k} sites; I^2 {i2}", c.k).format(
            c=c_index_text(c.estimate, c.ci[0], c.ci[1]), k=c.k,
            i2=format_percent(c.i2)))
    print(_("wrote {first} and {second}").format(first=out / "pooled.json",
                                                 second=out / "pooled.html"))
    return 0
