"""The `cnoatlas` command: starts the GUI, or runs one headless sub-command.

Every sub-command exits 0 on success and, on bad input, prints one line to stderr naming
the file/field and the problem and exits 2. Tracebacks go to the log file only.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

from cnoatlas import APP_NAME, __version__, paths
from cnoatlas.domain.errors import AtlasError
from cnoatlas.logsetup import configure_logging

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2
log = logging.getLogger("cnoatlas.cli")

Handler = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Handler, str]] = {}


def command(name: str, help: str):
    """Register a sub-command: the decorated function adds its arguments, ``run`` does the work."""

    def decorator(add_arguments: Callable[[argparse.ArgumentParser], None]):
        def bind(run: Handler) -> Handler:
            _COMMANDS[name] = (add_arguments, run, help)
            return run

        add_arguments.run = bind  # type: ignore[attr-defined]
        return add_arguments

    return decorator


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, as the contract asks
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{2,5})x(\d{2,5})", text.strip().lower())
    if not match:
        raise argparse.ArgumentTypeError(f"size '{text}' must look like 1920x1080")
    width, height = int(match[1]), int(match[2])
    if not (64 <= width <= 8192 and 64 <= height <= 8192):
        raise argparse.ArgumentTypeError(f"size '{text}' must be between 64 and 8192 pixels a side")
    return width, height


# --- screenshot ---------------------------------------------------------------------------
@command("screenshot", "render a view to a PNG, offscreen (no display needed)")
def _screenshot_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--view", required=True, help="home, map, overlay:DATASET_ID, case:CASE_ID, …")
    p.add_argument("--out", required=True, type=Path, help="PNG file to write")
    p.add_argument("--size", type=_size, default=(1920, 1080), help="WIDTHxHEIGHT (1920x1080)")
    p.add_argument("--theme", choices=("dark", "light", "contrast"), default="dark")
    p.add_argument("--select", metavar="SITE_ID", help="site to select (map views)")
    p.add_argument("--slice", type=int, metavar="N", help="slice to show (image views)")


@_screenshot_args.run
def _screenshot(args: argparse.Namespace) -> int:
    if args.out.suffix.lower() != ".png":
        raise AtlasError(f"{args.out}: --out must name a .png file")
    # Offscreen always: a screenshot must not depend on, or flash up on, a display.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from cnoatlas.ui.common.views import ViewRequest
    from cnoatlas.ui.shell.screens import render_view

    request = ViewRequest.parse(
        args.view, size=args.size, theme=args.theme, select=args.select, slice=args.slice
    )
    image = render_view(request, args.out)
    print(f"wrote {args.out} ({image.width()}x{image.height()}, view {args.view})")
    return EXIT_OK


# --- sites --------------------------------------------------------------------------------
@command("sites", "list the anatomical sites (the ids cases, evidence and quizzes share)")
def _sites_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON only")


@_sites_args.run
def _sites(args: argparse.Namespace) -> int:
    import json

    from cnoatlas.domain.sites import format_sites_table, site_model

    sites = list(site_model().sites.values())
    if args.json:
        print(json.dumps([s.as_contract() for s in sites], ensure_ascii=False, indent=2))
    else:
        print(format_sites_table(sites))
    return EXIT_OK


# --- evidence -----------------------------------------------------------------------------
@command("evidence", "list the evidence datasets (site frequencies and typical sites) with sources")
def _evidence_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON only")


@_evidence_args.run
def _evidence(args: argparse.Namespace) -> int:
    import json

    from cnoatlas.domain.evidence import evidence_library, format_evidence_table

    datasets = list(evidence_library().values())
    if args.json:
        print(json.dumps([d.to_json() for d in datasets], ensure_ascii=False, indent=2))
    else:
        print(format_evidence_table(datasets))
    return EXIT_OK


# --- quiz ---------------------------------------------------------------------------------
@command("quiz", "the questions a quiz session would ask (same seed, same questions)")
def _quiz_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mode", choices=("practice", "exam", "review"), default="practice")
    p.add_argument("--n", type=int, default=10, help="number of questions (10)")
    p.add_argument("--seed", type=int, default=0, help="seed for the choice and order (0)")
    p.add_argument(
        "--topic",
        action="append",
        metavar="TOPIC",
        help="only this topic (repeatable): clinical, imaging, distribution, spine, "
        "differentials, pathway, follow-up, cases",
    )
    p.add_argument("--json", action="store_true", help="print JSON only")


@_quiz_args.run
def _quiz(args: argparse.Namespace) -> int:
    import json

    from cnoatlas.domain.quiz.cases import library_cases
    from cnoatlas.domain.quiz.session import start_session

    store = None
    if args.mode == "review":
        from cnoatlas.domain.progress import ProgressStore

        store = ProgressStore.open()
        if store.recovery_message:
            print(f"cnoatlas: {store.recovery_message}", file=sys.stderr)
    try:
        session = start_session(
            args.mode, args.n, args.seed, topics=args.topic, cases=library_cases(), store=store
        )
    finally:
        if store is not None:
            store.close()
    if args.json:
        print(json.dumps([q.to_json() for q in session.questions], ensure_ascii=False, indent=2))
        return EXIT_OK
    for number, q in enumerate(session.questions, 1):
        print(f"{number}. [{q.kind}] {q.prompt}")
        for key, option in enumerate(q.options, 1):
            print(f"   {key}) {q.label(option)}")
        answer = q.answer if isinstance(q.answer, str) else ", ".join(map(str, q.answer))
        print(f"   answer: {q.label(answer)}\n")
    return EXIT_OK


# --- dicom --------------------------------------------------------------------------------
@command("dicom", "inspect DICOM data: 'dicom info PATH' lists its series and unreadable files")
def _dicom_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=("info",), help="info: series and problems (headers only)")
    p.add_argument("path", type=Path, help="a DICOM folder (searched recursively), zip, DICOMDIR")
    p.add_argument("--json", action="store_true", help="print JSON only")


@_dicom_args.run
def _dicom(args: argparse.Namespace) -> int:
    import json

    from cnoatlas.imaging.series import scan

    result = scan(args.path)
    info = {"series": [s.summary() for s in result.series],
            "problems": [p.as_dict() for p in result.problems]}
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return EXIT_OK
    for s in info["series"]:
        print(f"{s['modality'] or '?':6} {s['slices']:4} x {s['rows']}x{s['columns']}  "
              f"{s['description'] or '(no description)'}  [{s['uid']}]")
    for problem in info["problems"]:
        print(f"problem: {problem['file']}: {problem['reason']}")
    if result.skipped:
        print(f"({len(result.skipped)} file(s) without images skipped: reports, DICOMDIR, …)")
    return EXIT_OK


# --- cases --------------------------------------------------------------------------------
@command("cases", "the teaching cases: 'cases list' shows them, 'cases validate [PATH]' checks them")
def _cases_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=("list", "validate"), help="list the cases, or check them")
    p.add_argument("path", nargs="?", type=Path, help="validate: a case folder or a library folder")
    p.add_argument("--json", action="store_true", help="list: print JSON only")


@_cases_args.run
def _cases(args: argparse.Namespace) -> int:
    import json

    from cnoatlas.domain.cases import load_library, validate_path

    if args.action == "validate":
        root = args.path or paths.cases_dir()
        checked, problems = validate_path(root)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(f"{len(problems)} problem(s) in {root}", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(f"{checked} case(s) checked in {root}: no problems")
        return EXIT_OK
    if args.path is not None:
        raise AtlasError("cases list takes no PATH (set CNOATLAS_CASES to list another library)")
    library = load_library()
    for problem in library.problems:
        print(f"cnoatlas: skipped: {problem}", file=sys.stderr)
    if args.json:
        print(json.dumps([c.as_contract() for c in library], ensure_ascii=False, indent=2))
        return EXIT_OK
    for case in library:
        who = f"{case.patient.age_years:g} y {case.patient.sex}"
        print(f"{case.id:32} {case.diagnosis:24} {who:8} {case.title}")
    print(f"({len(library)} cases)")
    return EXIT_OK


# --- phantom ------------------------------------------------------------------------------
@command("phantom", "the synthetic WB-MRI generator: 'phantom export CASE_ID OUTDIR' writes DICOM")
def _phantom_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=("export",), help="export: write the series + annotations")
    p.add_argument("target", nargs="+", metavar="CASE_ID OUTDIR",
                   help="a case id and the output folder (only OUTDIR with --description)")  # fmt: skip
    p.add_argument("--description", type=Path, metavar="FILE.json",
                   help="a study description (or a case.json) instead of a library case")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print the summary as JSON only")


@_phantom_args.run
def _phantom(args: argparse.Namespace) -> int:
    import json
    import time

    from cnoatlas.imaging.phantom import StudyDescription, generate_study, load_description
    from cnoatlas.imaging.phantom import write_study as write

    if len(args.target) > 2 or (args.description is None and len(args.target) != 2):
        raise AtlasError("phantom export takes CASE_ID OUTDIR (or --description FILE.json OUTDIR)")
    case_id = args.target[0] if len(args.target) == 2 else ""
    outdir = Path(args.target[-1])
    if args.description is not None:
        desc = load_description(args.description)
        if case_id:
            desc = StudyDescription.from_json({**desc.to_json(), "case_id": case_id})
    else:
        case_file = paths.cases_dir() / case_id / "case.json"
        if not case_id or "/" in case_id or not case_file.is_file():
            raise AtlasError(f"unknown case '{case_id}' (no {case_file})")
        from cnoatlas.domain.cases import load_case

        gen = load_case(case_file.parent).generator_description()  # validated, named
        if gen is None:
            raise AtlasError(f"{case_file}: series.generator: the case has no synthetic series")
        desc = StudyDescription.from_json(gen, case_file)
    start = time.perf_counter()
    study = generate_study(desc)
    files = write(study, outdir)
    seconds = time.perf_counter() - start
    summary = {
        "outdir": str(outdir),
        "files": len(files),
        "annotations": len(study.annotations),
        "seconds": round(seconds, 2),
        "series": [
            {
                "number": s.number,
                "key": s.key,
                "description": s.description,
                "slices": int(s.pixels.shape[0]),
                "rows": int(s.pixels.shape[1]),
                "columns": int(s.pixels.shape[2]),
                "uid": s.series_uid,
            }
            for s in study.series
        ],
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return EXIT_OK
    for s in summary["series"]:
        print(f"{s['number']:2}  {s['description']:16} {s['slices']:3} x {s['rows']}x{s['columns']}")
    print(f"wrote {len(files)} files and {len(study.annotations)} annotations to {outdir} "
          f"in {seconds:.1f} s (synthetic images)")  # fmt: skip
    return EXIT_OK


# --- import -------------------------------------------------------------------------------
@command("import", "de-identified copy of a DICOM folder/zip as a new user case, with a report")
def _import_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", type=Path, help="a DICOM folder (searched recursively), zip, DICOMDIR")
    p.add_argument("--case-id", required=True, help="the new case's id (lowercase-dashed)")
    p.add_argument("--title", help="the case title ('Imported case ID')")
    p.add_argument("--diagnosis", default="other", help="diagnosis id (other)")
    p.add_argument("--age", type=float, metavar="YEARS", help="when the images do not state it")
    p.add_argument("--sex", choices=("F", "M"), help="when the images do not state F or M")
    p.add_argument("--json", action="store_true", help="print the report as JSON only")


@_import_args.run
def _import(args: argparse.Namespace) -> int:
    import json

    from cnoatlas.library.user_cases import REPORT_FILE, import_dicom

    result = import_dicom(
        args.path,
        args.case_id,
        args.title,
        diagnosis=args.diagnosis,
        age_years=args.age,
        sex=args.sex,
    )
    if args.json:
        print(json.dumps(result.report, ensure_ascii=False, indent=2))
        return EXIT_OK
    for line in result.lines:
        print(line)
    print(f"imported case '{result.case_id}' into {result.folder} (report: {REPORT_FILE})")
    return EXIT_OK


# --- search -------------------------------------------------------------------------------
@command("search", "search chapters, cases and sites (title matches first; 'clav' finds clavicle)")
def _search_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("query", nargs="+", help="words to find (any case, accents ignored)")
    p.add_argument("--json", action="store_true", help="print JSON only")


@_search_args.run
def _search(args: argparse.Namespace) -> int:
    import json

    from cnoatlas.domain.search import search_index, words

    query = " ".join(args.query)
    if not words(query):
        raise AtlasError(f"search: '{query}' has no letters or digits to look for")
    results = search_index().search(query)
    if args.json:
        print(json.dumps([r.as_contract() for r in results], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not results:
        print(f"nothing found for '{query}'")
    for r in results:
        print(f"{r.kind:8} {r.id:34} {r.title}")
    return EXIT_OK


# --- bench --------------------------------------------------------------------------------
@command("bench", "measure start-up, series loading, interaction, generator and store speed")
def _bench_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON only (every figure and target)")
    p.add_argument("--quick", action="store_true", help="fewer repetitions, smaller sizes (CI)")
    p.add_argument("--only", action="append", metavar="SECTION",
                   choices=("startup", "series", "interaction", "generator", "store", "scaling",
                            "workload"),
                   help="run only this section (repeatable)")  # fmt: skip
    p.add_argument("--compare", type=Path, metavar="OLD.json",
                   help="print each figure beside an earlier run's (bench --json output) and "
                        "flag regressions beyond the noise of the A/B repeats")  # fmt: skip


@_bench_args.run
def _bench(args: argparse.Namespace) -> int:
    import json

    # Offscreen always: the figures must not depend on a display.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from cnoatlas.bench import run_bench
    from cnoatlas.bench.report import compare_runs, format_compare, format_table

    def _fail(message: str) -> int:
        print(f"cnoatlas: bench: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT

    old = None
    if args.compare is not None:
        try:
            old = json.loads(args.compare.read_text(encoding="utf-8"))
        except OSError as exc:
            return _fail(f"{args.compare}: cannot read ({exc.strerror or exc})")
        except ValueError as exc:
            return _fail(f"{args.compare}: not bench JSON ({exc})")
        if not isinstance(old, dict) or not isinstance(old.get("figures"), list):
            return _fail(f"{args.compare}: not bench JSON (no 'figures' list)")

    def progress(section: str) -> None:
        if not args.json:
            print(f"measuring {section}…", file=sys.stderr, flush=True)

    result = run_bench(quick=args.quick, only=args.only, progress=progress)
    for error in result.errors:
        log.error("bench section %s failed:\n%s", error["section"], error["traceback"])
        print(f"cnoatlas: bench: {error['section']}: {error['error']}", file=sys.stderr)
    data = result.to_json()
    rows = compare_runs(old, data) if old is not None else None
    if args.json:
        if rows is not None:
            data["comparison"] = {"old": str(args.compare), "figures": rows}
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(format_table(result))
        if rows is not None:
            print()
            print(format_compare(rows, str(args.compare)))
    # A missed target is a figure, not a failure; only a measurement that broke is.
    return EXIT_INTERNAL if result.errors else EXIT_OK


# --- playlist -----------------------------------------------------------------------------
@command("playlist", "lecture playlists: 'playlist export FILE --out DIR [--pdf]' writes the slides")
def _playlist_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=("export",), help="export: every step as a 1920x1080 PNG")
    p.add_argument("file", type=Path, help="a playlist (.json)")
    p.add_argument("--out", required=True, type=Path, help="folder for the PNGs (and handout.pdf)")
    p.add_argument("--pdf", action="store_true", help="also write handout.pdf, one step a page")
    p.add_argument("--theme", choices=("dark", "light", "contrast"), default="contrast")
    p.add_argument("--scale", type=float, default=1.5, help="text size, 1.0 to 3.0 (1.5)")
    p.add_argument("--size", type=_size, default=(1920, 1080), help="WIDTHxHEIGHT (1920x1080)")


@_playlist_args.run
def _playlist(args: argparse.Namespace) -> int:
    if not 1.0 <= args.scale <= 3.0:
        raise AtlasError(f"--scale {args.scale:g}: must be between 1.0 and 3.0")
    from cnoatlas.domain.playlist import load_playlist

    playlist = load_playlist(args.file)  # a file that is not a playlist: one line, exit 2
    for problem in playlist.problems():
        print(f"cnoatlas: {args.file}: {problem} (shown as a 'missing' slide)", file=sys.stderr)
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from cnoatlas.ui.lecture.export import export_playlist
    from cnoatlas.ui.shell.app import ensure_app

    ensure_app(theme=args.theme, scale=args.scale)
    written = export_playlist(
        playlist, args.out, pdf=args.pdf, theme_name=args.theme, scale=args.scale, size=args.size
    )
    slides = [p for p in written if p.suffix == ".png"]
    print(f"wrote {len(slides)} slides to {args.out}" + (" and handout.pdf" if args.pdf else ""))
    return EXIT_OK


# --- entry point --------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cnoatlas",
        description=f"{APP_NAME}: an offline atlas of chronic nonbacterial osteomyelitis (CNO/CRMO) "
        "and its whole-body MRI. Without a sub-command it opens the atlas window.",
        epilog=f"User data: {paths.user_data_dir()}  ·  log: {paths.log_file()}",
    )
    parser.add_argument("--version", action="version", version=f"cnoatlas {__version__}")
    parser.add_argument(
        "--present",
        nargs="?",
        const="",
        metavar="PLAYLIST",
        help="start presenting a lecture playlist (the last one used, or the example)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (add_arguments, _run, help_text) in _COMMANDS.items():
        add_arguments(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def _start_gui() -> int:
    from cnoatlas.ui.shell.app import has_display, run_gui

    if not has_display():
        print(
            "cnoatlas: no display found (DISPLAY is not set). Run it under a virtual screen with "
            "'xvfb-run cnoatlas', or render views with 'cnoatlas screenshot'.",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    return run_gui()


def _start_presentation(playlist: str) -> int:
    from cnoatlas.domain.playlist import load_playlist

    if playlist:
        load_playlist(playlist)  # a bad file: one line and exit 2, before any window opens
    from cnoatlas.ui.shell.app import has_display

    if not has_display():
        print("cnoatlas: no display found (DISPLAY is not set); to make slides without one, "
              "use 'cnoatlas playlist export FILE --out DIR'", file=sys.stderr)  # fmt: skip
        return EXIT_BAD_INPUT
    from cnoatlas.ui.shell.app import run_presentation

    return run_presentation(playlist or None)


def main(argv: list[str] | None = None) -> int:
    configure_logging()
    args = build_parser().parse_args(argv)
    try:
        if args.command is None and args.present is not None:
            return _start_presentation(args.present)
        if args.command is None:
            return _start_gui()
        return _COMMANDS[args.command][1](args)
    except AtlasError as exc:
        log.info("bad input: %s", exc)
        print(f"cnoatlas: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `cnoatlas sites | head`: the reader has gone; stop quietly like other Unix tools.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        log.exception("internal error in %s", args.command or "gui")
        print(
            f"cnoatlas: internal error ({type(exc).__name__}: {exc}); details in {paths.log_file()}",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
