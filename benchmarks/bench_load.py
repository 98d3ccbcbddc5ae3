"""Concurrent clinicians, a soak and uploads, in real browsers on loopback.

One command (``python -m benchmarks load``; part of ``make bench``) runs, against one
``streamlit run app.py`` server on the shipped model:

1. the Patient page's first render after the server is up (goal <= 1.5 s; the browser is
   launched before the server starts, as a clinician's browser is already open), then the
   same page in a fresh tab of the warm server;
2. one clinician submitting patients on an idle server: submit-to-result in the browser
   (goal <= 0.5 s median) and the server's own script-run time for each submit;
3. 10 concurrent sessions, each entering a different patient: every estimate must equal
   ``python -m risk predict`` for that patient (so all correct and distinct), 0 exceptions;
4. a soak of 300 submissions across the 10 sessions: server memory growth (goal < 50 MB)
   and errors;
5. 3 concurrent uploads on the Cohort page (one of 100,000 patients) while a clinician
   submits on the Patient page: its submit-to-result against its idle figure (goal <= 2x),
   in :data:`UPLOAD_ROUNDS` rounds of new files, idle submits before each round.
   The uploading sessions' browser runs at the lowest CPU priority (their browsers are on
   other computers in a clinic); ``RISK_LOAD_UPLOADERS=same`` runs it at the clinician's.

``RISK_LOAD_PARTS`` (comma-separated, default all of ``render,submit,sessions,soak,upload``)
runs only the parts named, e.g. ``RISK_LOAD_PARTS=render,upload`` while working on the
first render and the uploads; the goals of the parts not run are not reported.

Server-side times come from the app's script-run log (``riskapp.timing``: page, seconds,
outcome, whether a submit started it; never a patient's value). Figures are printed with
their reference from the same run, never asserted.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.load_clinician import (
    MISSED,
    Patient,
    exceptions,
    load_patients,
    open_patient_page,
    patient_form_shown,
    submit,
    summary,
)
from benchmarks.load_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PLAIN,
    free_port,
    niced_chromium,
    rss_mb,
    server_runs,
    start_server,
    stop_server,
)

SESSIONS, SOAK, UPLOAD_N = 10, 300, 100_000
GOALS = {"first_render_s": 1.5, "submit_median_s": 0.5, "memory_growth_mb": 50.0,
         "upload_slowdown": 2.0}
PARTS = ("render", "submit", "sessions", "soak", "upload")


def _parts() -> set[str]:
    """The parts to run (``RISK_LOAD_PARTS``; all when unset)."""
    named = {p.strip() for p in os.environ.get("RISK_LOAD_PARTS", "").split(",") if p.strip()}
    unknown = named - set(PARTS)
    if unknown:
        raise SystemExit(f"RISK_LOAD_PARTS: unknown part(s) {sorted(unknown)}; "
                         f"choose from {', '.join(PARTS)}")
    return named or set(PARTS)
async def _reference_render(browser, port: int, log: Path, servers: list) -> dict[str, float]:
    """The plain ``streamlit run app.py`` reference, on the port the measured server will
    use (so a browser context that visited it has the app's static files in its cache, as
    a clinician's browser has after any earlier visit)."""
    cached = await browser.new_context(viewport={"width": 1400, "height": 1000})
    server, started, up = start_server(port, log.with_name("reference-server.log"), PLAIN)
    servers.append(server)
    try:
        done = (await patient_form_shown(cached, f"http://127.0.0.1:{port}")).painted
    finally:
        stop_server(server)
        servers.remove(server)
    return {"context": cached, "up_s": up - started, "after_up_s": done - up,
            "from_start_s": done - started}


async def _first_render(contexts, url: str, started: float, up: float, reference: dict,
                        out: dict[str, float]) -> None:
    first = await patient_form_shown(contexts[0], url)
    out["first_render_s"] = first.painted - up
    from_start = first.painted - started
    cached = await patient_form_shown(reference["context"], url)
    out["warm_render_s"] = (await patient_form_shown(contexts[1], url)).seconds
    await reference["context"].close()
    print(f"server start to port up: {up - started:.2f} s warm start (make run), "
          f"{reference['up_s']:.2f} s plain streamlit run (reference)")
    print(f"Patient page first render after the server was up, browser cache empty: "
          f"{out['first_render_s']:.2f} s (goal {GOALS['first_render_s']} s); plain "
          f"streamlit run {reference['after_up_s']:.2f} s (reference; ratio "
          f"{out['first_render_s'] / reference['after_up_s']:.2f}); from the server's "
          f"start {from_start:.2f} s vs {reference['from_start_s']:.2f} s")
    print(f"  (the form's button on screen by the page's own clock; Playwright's wait for "
          f"it, which polls, returned {first.waited - first.painted:.2f} s later)")
    print(f"  the same first visit with the app's static files in the browser cache (a "
          f"clinician's browser after any earlier visit): {cached.seconds:.2f} s; "
          f"{first.seconds:.2f} s from opening the tab, browser cache empty")
    print(f"  a fresh tab of the warm server, browser cache empty: "
          f"{out['warm_render_s']:.2f} s (reference: what the browser alone takes)")


async def _idle_submits(clinician, patients: list[Patient], out: dict[str, float]) -> None:
    idle = [await submit(clinician, patients[i % len(patients)]) for i in range(12)]
    out["submit_median_s"] = statistics.median(idle)
    print(f"one clinician, idle server: submit to result in the browser {summary(idle)}"
          f" (goal median <= {GOALS['submit_median_s']} s)")


async def _sessions(contexts, url: str, log: Path, clinician, patients: list[Patient]) -> list:
    pages = [clinician] + await asyncio.gather(
        *[open_patient_page(c, url) for c in contexts[1:SESSIONS]])
    before = len(server_runs(log))
    times = await asyncio.gather(*[submit(pg, patients[i]) for i, pg in enumerate(pages)])
    errors = sum([await exceptions(pg) for pg in pages])
    runs = [r for r in server_runs(log)[before:] if r[3]]
    print(f"{SESSIONS} concurrent sessions, {SESSIONS} different patients: all {SESSIONS} "
          f"estimates equal `predict` for their own patient; {errors} exceptions")
    print(f"  browser submit to result {summary(list(times))}")
    print(f"  server script run per submit {summary([r[1] for r in runs])}")
    return pages


async def _soak(pages: list, server: subprocess.Popen, log: Path, patients: list[Patient],
                out: dict[str, float]) -> None:
    rss_before = rss_mb(server.pid)
    before = len(server_runs(log))
    per_session = SOAK // SESSIONS

    async def soak(k: int, pg) -> list[float]:
        return [await submit(pg, patients[(k + 3 * j + 1) % len(patients)])
                for j in range(per_session)]

    soaked = [t for ts in await asyncio.gather(*[soak(k, pg) for k, pg in
                                                  enumerate(pages)]) for t in ts]
    runs = server_runs(log)[before:]
    errors = sum([await exceptions(pg) for pg in pages])
    failed = sum(r[2] == "error" for r in runs)
    out["memory_growth_mb"] = rss_mb(server.pid) - rss_before
    print(f"soak: {len(soaked)} submissions across {SESSIONS} sessions, each checked "
          f"against `predict`; {errors} exceptions on the pages, {failed} failed runs")
    print(f"  browser submit to result {summary(soaked)}")
    print(f"  server script run per submit {summary([r[1] for r in runs if r[3]])}")
    print(f"  server memory {rss_before:.0f} MB before, growth "
          f"{out['memory_growth_mb']:+.1f} MB (goal < {GOALS['memory_growth_mb']:g} MB)")


#: ``same``: the uploading sessions' browser at the measured clinician's CPU priority.
UPLOADERS_ENV = "RISK_LOAD_UPLOADERS"


#: Rounds of the 3 uploads, each with files not uploaded before (no cache hit), the
#: clinician's idle submits just before each: enough samples to tell 2x from noise.
UPLOAD_ROUNDS, IDLE_PER_ROUND = 3, 4


def upload_files(folder: Path, rounds: int = UPLOAD_ROUNDS) -> list[list[Path]]:
    """Each round's 3 cohort files (one of about :data:`UPLOAD_N` patients); their sizes
    differ from round to round, so the page's "(n patients)" tells one round from the
    next."""
    from risk.synthetic.generator import cohort_csv_text, generate_cohort

    files = []
    for r in range(rounds):
        paths = []
        for n, seed in ((UPLOAD_N - r, 31 + 3 * r), (1000 - r, 32 + 3 * r),
                        (999 - r, 33 + 3 * r)):
            path = folder / f"cohort_{n}_{seed}.csv"
            path.write_text(cohort_csv_text(generate_cohort(n, seed)))
            paths.append(path)
        files.append(paths)
    return files


async def _upload_round(pages: list, paths: list[Path], clinician, patients: list[Patient],
                        k: int) -> tuple[list[float], float]:
    """The 3 uploads at once, the clinician submitting until all are shown: the submits'
    times and the slowest upload's."""
    started = time.perf_counter()

    async def upload(page, path: Path) -> float:
        await page.locator(".st-key-cohort_file input[type=file]").set_input_files(str(path))
        n = sum(1 for _ in path.open()) - 1
        await page.get_by_text(f"({n:,} patients)").first.wait_for()
        return time.perf_counter() - started

    tasks = [asyncio.create_task(upload(pg, path)) for pg, path in zip(pages, paths,
                                                                          strict=True)]
    during = []
    while not all(t.done() for t in tasks):
        during.append(await submit(clinician, patients[(k + len(during)) % len(patients)]))
    return during, max(await asyncio.gather(*tasks))


async def _uploads(contexts, url: str, log: Path, clinician, patients: list[Patient],
                   files: list[list[Path]], out: dict[str, float]) -> None:
    pages = []
    for context in contexts:
        page = await context.new_page()
        page.set_default_timeout(300_000)
        await page.goto(url + "/cohort")
        await page.locator(".st-key-cohort_file input[type=file]").wait_for(state="attached")
        pages.append(page)
    idle, during, idle_runs, during_runs, cohort_runs, slowest = [], [], [], [], [], []
    for paths in files:
        before = len(server_runs(log))
        idle += [await submit(clinician, patients[(len(idle) + i) % len(patients)])
                 for i in range(IDLE_PER_ROUND)]
        idle_runs += [r[1] for r in server_runs(log)[before:] if r[3]]
        before = len(server_runs(log))
        submits, took = await _upload_round(pages, paths, clinician, patients, len(during))
        print(f"  round {len(slowest) + 1}: {len(submits)} submits during the uploads, "
              f"median {statistics.median(submits):.3f} s; all shown after {took:.1f} s")
        during += submits
        slowest.append(took)
        runs = server_runs(log)[before:]
        during_runs += [r[1] for r in runs if r[3]]
        cohort_runs += [r[1] for r in runs if r[0] == "Cohort"]
    out["upload_slowdown"] = statistics.median(during) / statistics.median(idle)
    where = ("their browser at the clinician's CPU priority"
             if os.environ.get(UPLOADERS_ENV) == "same" else
             f"their browser at the lowest CPU priority; {UPLOADERS_ENV}=same for the same")
    print(f"{len(files)} rounds of 3 concurrent Cohort uploads (one of about {UPLOAD_N:,} "
          f"patients, two of about 1,000; new files each round; {where}): the Patient "
          f"page's submit to result {summary(during)} against {summary(idle)} idle: "
          f"{out['upload_slowdown']:.2f}x (goal <= {GOALS['upload_slowdown']:g}x)")
    print(f"  server script run per submit {summary(during_runs)} during the uploads, "
          f"{summary(idle_runs)} idle; Cohort runs meanwhile {summary(cohort_runs or [0.0])}")


async def _run(port: int, servers: list[subprocess.Popen], log: Path,
               patients: list[Patient], uploads: list[list[Path]]) -> dict[str, float]:
    """Launch the browser, then start the server (appended to ``servers``) and run the
    parts: the first render counts from the server being up, not the browser's launch."""
    from playwright.async_api import async_playwright

    out: dict[str, float] = {}
    parts = _parts()
    url = f"http://127.0.0.1:{port}"
    async with async_playwright() as p:
        launched = time.perf_counter()
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        contexts = [await browser.new_context(viewport={"width": 1400, "height": 1000})
                    for _ in range(SESSIONS)]
        uploaders = browser
        if uploads and os.environ.get(UPLOADERS_ENV) != "same":
            uploaders = await p.chromium.launch(
                executable_path=niced_chromium(log.parent), args=CHROMIUM_ARGS)
        contexts += [await uploaders.new_context(viewport={"width": 1400, "height": 1000})
                     for _ in range(3 if uploads else 0)]
        print(f"browser launched in {time.perf_counter() - launched:.2f} s (before the "
              "server starts: not part of the first render)")
        if "render" in parts:
            reference = await _reference_render(browser, port, log, servers)
        server, started, up = start_server(port, log)
        servers.append(server)
        if "render" in parts:
            await _first_render(contexts, url, started, up, reference, out)
        if parts - {"render"}:
            clinician = await open_patient_page(contexts[0], url)
            await submit(clinician, patients[-1])  # the first estimate imports the figures
        if "submit" in parts:
            await _idle_submits(clinician, patients, out)
        if "sessions" in parts or "soak" in parts:
            pages = await _sessions(contexts, url, log, clinician, patients)
        if "soak" in parts:
            await _soak(pages, server, log, patients, out)
        if "upload" in parts:
            await _uploads(contexts[SESSIONS:], url, log, clinician, patients, uploads, out)
        await browser.close()
        if uploaders is not browser:
            await uploaders.close()
    return out


def main() -> None:
    if not os.path.exists(CHROMIUM):
        print(f"skipped: {CHROMIUM} is missing")
        return
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
          "(the browsers share the server's cores)")
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        folder = Path(tmp)
        parts = _parts()
        patients = load_patients(folder) if parts - {"render"} else []
        files = upload_files(folder) if "upload" in parts else []
        log = folder / "server.log"
        port = free_port()
        servers: list[subprocess.Popen] = []
        try:
            out = asyncio.run(_run(port, servers, log, patients, files))
        finally:
            for server in servers:
                stop_server(server)
        if MISSED:
            print(f"{len(MISSED)} submissions never showed their own result, e.g. "
                  + "; ".join(MISSED[:3]))
        if "Traceback" in log.read_text():
            print("the server logged a traceback:\n" + log.read_text()[-2000:])
        met = [f"{k} {'met' if out[k] <= g else 'MISSED'}" for k, g in GOALS.items()
               if k in out]
        print("goals: " + "; ".join(met))


if __name__ == "__main__":
    main()
