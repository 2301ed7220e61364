"""The `cnoatlas` command: starts the GUI, or runs one headless sub-command.

Every sub-command exits 0 on success and, on bad input, prints one line to stderr naming
the file/field and the problem and exits 2. Tracebacks go to the log file only.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

from cnoatlas import APP_NAME, __version__, exits, paths
from cnoatlas.domain.errors import AtlasError
from cnoatlas.logsetup import configure_logging, route_library_warnings

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


def _scale(text: str) -> float | str:
    if text.strip().lower() == "auto":
        return "auto"
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}': give a number from 1.0 to 3.0, or auto") from None


def _size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{2,5})x(\d{2,5})", text.strip().lower())
    if not match:
        raise argparse.ArgumentTypeError(f"size '{text}' must look like 1920x1080")
    width, height = int(match[1]), int(match[2])
    if not (64 <= width <= 8192 and 64 <= height <= 8192):
        raise argparse.ArgumentTypeError(f"size '{text}' must be between 64 and 8192 pixels a side")
    return width, height


def _check_out(path: Path, kind: str) -> Path:
    """An output path (``kind`` "file" or "folder") whose parent folder exists.

    ``--out`` and output folders never create missing parent folders (a typo would scatter
    folders anywhere): only the final folder of an output folder is made, by the command.
    """
    path = Path(path)
    if not str(path).strip():
        raise AtlasError("the output path is empty")
    parent = path.parent
    if not parent.is_dir():
        raise AtlasError(
            f"{path}: the folder {parent} does not exist (create it first: only the last "
            "folder of an output is created)"
        )
    if kind == "file" and path.is_dir():
        raise AtlasError(f"{path}: is a folder, not a file")
    if kind == "folder" and path.exists() and not path.is_dir():
        raise AtlasError(f"{path}: is a file, not a folder")
    return path


# --- screenshot ---------------------------------------------------------------------------
@command("screenshot", "render a view to a PNG, offscreen (no display needed)")
def _screenshot_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--view", required=True, help="home, map, overlay:DATASET_ID, case:CASE_ID, …")
    p.add_argument("--out", required=True, type=Path, help="PNG file to write")
    p.add_argument("--size", type=_size, default=(1920, 1080), help="WIDTHxHEIGHT (1920x1080)")
    p.add_argument("--theme", choices=("dark", "light", "contrast"), default="dark")
    p.add_argument(
        "--scale",
        type=_scale,
        default=1.0,
        help="interface scale, 1.0 to 3.0, or 'auto' for the scale a screen of --size gets (1.0)",
    )
    p.add_argument("--select", metavar="SITE_ID", help="site to select (map views)")
    p.add_argument("--slice", type=int, metavar="N", help="slice to show (image views)")


@_screenshot_args.run
def _screenshot(args: argparse.Namespace) -> int:
    if args.out.suffix.lower() != ".png":
        raise AtlasError(f"{args.out}: --out must name a .png file")
    _check_out(args.out, "file")
    # Offscreen always: a screenshot must not depend on, or flash up on, a display.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from cnoatlas.ui.common.views import ViewRequest
    from cnoatlas.ui.shell.screens import render_view

    if args.scale == "auto":  # what a screen of that size would start with (ratio 1)
        from cnoatlas.ui.common.typography import auto_scale

        args.scale = auto_scale(*args.size)
    if not 1.0 <= args.scale <= 3.0:
        raise AtlasError(f"--scale {args.scale:g}: give an interface scale from 1.0 to 3.0")
    request = ViewRequest.parse(
        args.view,
        size=args.size,
        theme=args.theme,
        scale=args.scale,
        select=args.select,
        slice=args.slice,
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
    # A string, not a Path: Path("") would be the current folder.
    p.add_argument("path", help="a DICOM folder (searched recursively), zip, DICOMDIR")
    p.add_argument("--json", action="store_true", help="print JSON only")


@_dicom_args.run
def _dicom(args: argparse.Namespace) -> int:
    import json

    from cnoatlas.imaging.series import scan

    if not args.path.strip():
        raise AtlasError("dicom info: empty path; name a DICOM folder, zip file or DICOMDIR")
    result = scan(args.path)
    info = {"series": [s.summary() for s in result.series],
            "problems": [p.as_dict() for p in result.problems],
            "skipped": [p.as_dict() for p in result.skipped]}
    # File names that are not UTF-8 come as lone surrogates: shown as U+FFFD, never raw bytes.
    info = _printable(info)
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return EXIT_OK
    for s in info["series"]:
        print(
            f"{s['modality'] or '?':6} {s['slices']:4} x {s['rows']}x{s['columns']}  "
            f"{s['description'] or '(no description)'}  [{s['uid']}]"
        )
    for problem in info["problems"]:
        print(f"problem: {problem['file']}: {problem['reason']}")
    for skipped in info["skipped"]:
        print(f"skipped: {skipped['file']}: {skipped['reason']}")
    return EXIT_OK


def _printable(value):
    """Strings with lone surrogates (undecodable file names) made encodable, recursively."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        return value
    if isinstance(value, dict):
        return {k: _printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_printable(v) for v in value]
    return value


# --- cases --------------------------------------------------------------------------------
@command(
    "cases",
    "the teaching cases: 'cases list', 'cases validate [PATH]', 'cases pack CASE_ID --out FILE', "
    "'cases unpack FILE'",
)
def _cases_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "action",
        choices=("list", "validate", "pack", "unpack"),
        help="list or check the cases; pack one into a .cnocase file, or unpack one",
    )
    p.add_argument(
        "path", nargs="?", help="validate: a case or library folder; pack: a CASE_ID; unpack: FILE"
    )
    p.add_argument("--json", action="store_true", help="list: print JSON only")
    p.add_argument("--out", type=Path, help="pack: the package file to write (FILE.cnocase)")
    p.add_argument("--case-id", help="unpack: the new case's id (the package's own by default)")
    p.add_argument("--replace", action="store_true", help="unpack: overwrite a case with that id")


@_cases_args.run
def _cases(args: argparse.Namespace) -> int:
    import json

    from cnoatlas.domain.cases import load_library, validate_path

    if args.action == "pack":
        from cnoatlas.library.packages import pack_case

        if not args.path or args.out is None:
            raise AtlasError("cases pack: give the CASE_ID and --out FILE.cnocase")
        written = pack_case(args.path, args.out)
        print(f"packed case '{args.path}' into {written}")
        return EXIT_OK
    if args.action == "unpack":
        from cnoatlas.library.packages import unpack_case

        if not args.path:
            raise AtlasError("cases unpack: give the package FILE.cnocase")
        result = unpack_case(Path(args.path), args.case_id, replace=args.replace)
        verb = "replaced" if result.replaced else "added"
        print(f"{verb} case '{result.case_id}' ({result.files} files) in {result.folder}")
        return EXIT_OK
    if args.action == "validate":
        root = Path(args.path) if args.path else paths.cases_dir()
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
    p.add_argument("action", choices=("export", "gallery"),
                   help="export: write the series + annotations; gallery: PNGs of every case's "
                        "series at each lesion's key slice and a contact sheet per case")  # fmt: skip
    p.add_argument("target", nargs="+", metavar="CASE_ID OUTDIR",
                   help="a case id and the output folder (only OUTDIR with --description or "
                        "gallery)")  # fmt: skip
    p.add_argument("--case", metavar="CASE_ID", help="gallery: only this case")
    p.add_argument("--description", type=Path, metavar="FILE.json",
                   help="a study description (or a case.json) instead of a library case")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print the summary as JSON only")


@_phantom_args.run
def _phantom(args: argparse.Namespace) -> int:
    import json
    import time

    from cnoatlas.imaging.phantom import StudyDescription, generate_study, load_description
    from cnoatlas.imaging.phantom import write_study as write

    if args.action == "gallery":
        return _phantom_gallery(args)
    if len(args.target) > 2 or (args.description is None and len(args.target) != 2):
        raise AtlasError("phantom export takes CASE_ID OUTDIR (or --description FILE.json OUTDIR)")
    case_id = args.target[0] if len(args.target) == 2 else ""
    outdir = _check_out(Path(args.target[-1]), "folder")
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
        print(
            f"{s['number']:2}  {s['description']:16} {s['slices']:3} x {s['rows']}x{s['columns']}"
        )
    print(f"wrote {len(files)} files and {len(study.annotations)} annotations to {outdir} "
          f"in {seconds:.1f} s (synthetic images)")  # fmt: skip
    return EXIT_OK


def _phantom_gallery(args: argparse.Namespace) -> int:
    from cnoatlas.domain.cases import load_case
    from cnoatlas.imaging.phantom import StudyDescription, generate_study
    from cnoatlas.imaging.phantom.gallery import write_gallery

    if len(args.target) != 1:
        raise AtlasError("phantom gallery takes OUTDIR [--case CASE_ID]")
    outdir = Path(args.target[0])
    root = paths.cases_dir()
    if args.case is not None:
        if "/" in args.case or not (root / args.case / "case.json").is_file():
            raise AtlasError(f"unknown case '{args.case}' (no {root / args.case / 'case.json'})")
        ids = [args.case]
    else:
        ids = sorted(p.parent.name for p in root.glob("*/case.json"))
    count = 0
    for case_id in ids:
        gen = load_case(root / case_id).generator_description()
        if gen is None:
            continue
        study = generate_study(StudyDescription.from_json(gen, root / case_id / "case.json"))
        files = write_gallery(study, outdir, case_id)
        count += len(files)
        print(f"{case_id}: {len(files) - 1} images and a contact sheet")
    print(f"wrote {count} PNG files to {outdir} (synthetic images)")
    return EXIT_OK


# --- import -------------------------------------------------------------------------------
@command("import", "de-identified copy of a DICOM folder/zip as a new user case, with a report")
def _import_args(p: argparse.ArgumentParser) -> None:
    # A string, not a Path: Path("") would be the current folder.
    p.add_argument("path", help="a DICOM folder (searched recursively), zip, DICOMDIR")
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


# --- the department library ----------------------------------------------------------------
PASSWORD_HINT = "CNOATLAS_DICOMWEB_PASSWORD"  # = library.teaching_files.PASSWORD_VARIABLE


@command(
    "library",
    "the department's teaching library on a DICOMweb server (or a folder): list, push, pull",
)
def _library_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=("list", "push", "pull"), help="what to do")
    p.add_argument("target", nargs="?", help="push: a CASE_ID; pull: a STUDY_UID")
    p.add_argument("--server", required=True, help="https://host/dicom-web, or a folder")
    p.add_argument("--user", help=f"user name (the password from ${PASSWORD_HINT} or the keyring)")
    p.add_argument("--ca-bundle", metavar="FILE.pem", help="a CA bundle for the server's certificate")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the server (30)")
    p.add_argument("--case-id", help="pull: the new case's id (the teaching file's own by default)")
    p.add_argument("--author", default="", help="push: the author's name shown in the library")
    p.add_argument("--json", action="store_true", help="list: print JSON only")


@_library_args.run
def _library(args: argparse.Namespace) -> int:
    import json

    from cnoatlas.library import teaching_files as tf

    if args.action in ("push", "pull") and not args.target:
        what = "CASE_ID" if args.action == "push" else "STUDY_UID"
        raise AtlasError(f"library {args.action}: give the {what}")
    password = tf.password_for(args.server, args.user)
    if args.user and password is None and sys.stdin.isatty():
        import getpass

        password = getpass.getpass(f"Password for {args.user} at {args.server}: ")
    client = tf.open_archive(args.server, args.user, password, args.ca_bundle, args.timeout)
    if args.action == "list":
        files = tf.list_teaching_files(client, args.server)
        if args.json:
            print(json.dumps([f.to_json() for f in files], ensure_ascii=False, indent=2))
            return EXIT_OK
        for f in files:
            age = f"{f.age_years:g} y" if isinstance(f.age_years, (int, float)) else "age ?"
            print(f"{f.study_uid}  {f.title} · {f.diagnosis} · {age} {f.sex} · {f.date}")
        print(f"{len(files)} teaching file{'s' if len(files) != 1 else ''}")
        return EXIT_OK
    if args.action == "push":
        uid, count = tf.push_case(client, args.target, args.server, author=args.author)
        print(f"pushed case '{args.target}' as study {uid} ({count} instances)")
        return EXIT_OK
    folder = tf.pull_case(client, args.target, args.server, case_id=args.case_id)
    print(f"pulled study {args.target} as case '{folder.name}' into {folder}")
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
@command("bench", "measure start-up, series loading, interaction, generator, store speed, "
         "and the first-run Cases page and its cache")
def _bench_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON only (every figure and target)")
    p.add_argument("--quick", action="store_true", help="fewer repetitions, smaller sizes (CI)")
    p.add_argument("--only", action="append", metavar="SECTION",
                   choices=("startup", "series", "interaction", "generator", "store", "cases",
                            "library", "scaling", "workload"),
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
@command(
    "playlist", "lecture playlists: 'playlist export FILE --out DIR [--pdf]' writes the slides"
)
def _playlist_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=("export",), help="export: every step as a 1920x1080 PNG")
    p.add_argument("file", type=Path, help="a playlist (.json)")
    p.add_argument("--out", required=True, type=Path, help="folder for the PNGs (and handout.pdf)")
    p.add_argument("--pdf", action="store_true",
                   help="also write handout.pdf (no notes) and handout-presenter.pdf (notes)")
    p.add_argument("--theme", choices=("dark", "light", "contrast"), default="contrast")
    p.add_argument("--scale", type=float, default=1.5, help="text size, 1.0 to 3.0 (1.5)")
    p.add_argument("--size", type=_size, default=(1920, 1080), help="WIDTHxHEIGHT (1920x1080)")


@_playlist_args.run
def _playlist(args: argparse.Namespace) -> int:
    if args.scale == "auto":  # what a screen of that size would start with (ratio 1)
        from cnoatlas.ui.common.typography import auto_scale

        args.scale = auto_scale(*args.size)
    if not 1.0 <= args.scale <= 3.0:
        raise AtlasError(f"--scale {args.scale:g}: must be between 1.0 and 3.0")
    from cnoatlas.domain.playlist import load_playlist

    _check_out(args.out, "folder")
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
    handouts = " and handout.pdf (students), handout-presenter.pdf (with notes)"
    print(f"wrote {len(slides)} slides to {args.out}" + (handouts if args.pdf else ""))
    return EXIT_OK


# --- score --------------------------------------------------------------------------------
def _yes_no(text: str) -> bool:
    value = text.strip().lower()
    if value not in ("yes", "no"):
        raise argparse.ArgumentTypeError(f"'{text}' must be yes or no")
    return value == "yes"


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if value != value or value < 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"'{text}' must be a number at or above 0")
    return value


@command("score", "diagnostic scores with verified weights: 'score nbods' (Kostik et al. 2023)")
def _score_args(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="score", metavar="SCORE", required=True, parser_class=_Parser)
    n = sub.add_parser(
        "nbods",
        help="the NBO diagnostic score: nonbacterial against bacterial osteomyelitis",
        description="NBODS (Kostik et al., Front Pediatr 2023): CRP <= 55 mg/L 56 points, "
        "multifocal 27, femur 17, band neutrophils <= 220 cells/uL 15; a total above 17 "
        "favours nonbacterial osteomyelitis.",
    )
    n.add_argument("--crp", required=True, type=_non_negative, metavar="MG_L", help="CRP in mg/L")
    n.add_argument(
        "--bands", required=True, type=_non_negative, metavar="CELLS_PER_UL",
        help="band neutrophils in cells per microlitre",
    )  # fmt: skip
    n.add_argument("--multifocal", required=True, type=_yes_no, metavar="yes|no")
    n.add_argument("--femur", required=True, type=_yes_no, metavar="yes|no")
    n.add_argument("--json", action="store_true", help="print JSON only")


@_score_args.run
def _score(args: argparse.Namespace) -> int:
    import json

    from cnoatlas.domain.scores import NBODS_COHORT, nbods

    result = nbods(
        crp_mg_l=args.crp, bands_per_ul=args.bands, multifocal=args.multifocal, femur=args.femur
    )
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return EXIT_OK
    print("NBO diagnostic score (NBODS)")
    for item in result.items:
        mark = "yes" if item.met else "no "
        print(f"  {mark}  {item.item:<34} {item.points:>3}")
    print(f"  total {result.points} (cut-off: above {result.cutoff})")
    print(f"  {result.verdict()}")
    print(f"  Cohort: {NBODS_COHORT}.")
    print(f"  Source: {result.citation}")
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
    """The program (``argv`` None: the process's own arguments, signals handled here too)."""
    program = argv is None
    if program:
        exits.install_signal_handlers()
    try:
        code = _main(argv)
        sys.stdout.flush()  # here, not at interpreter shutdown, so a closed pipe is caught
        return code
    except BrokenPipeError:
        # `cnoatlas sites | head`: the reader has gone; stop quietly like other Unix tools
        # (which die of SIGPIPE: exit code 141).
        exits.stdout_gone()
        return exits.EXIT_PIPE
    except exits.Stopped as stop:
        with contextlib.suppress(BrokenPipeError):
            sys.stdout.flush()
        return stop.code
    except KeyboardInterrupt:
        return exits.EXIT_SIGINT
    finally:
        if program:
            exits.quiet_at_shutdown()


def _main(argv: list[str] | None) -> int:
    configure_logging()
    route_library_warnings()
    args = build_parser().parse_args(argv)
    try:
        paths.check_data()
        if args.command is None and args.present is not None:
            return _start_presentation(args.present)
        if args.command is None:
            return _start_gui()
        return _COMMANDS[args.command][1](args)
    except AtlasError as exc:
        log.info("bad input: %s", exc)
        print(_printable(f"cnoatlas: {exc}"), file=sys.stderr)
        return EXIT_BAD_INPUT
    except (BrokenPipeError, KeyboardInterrupt, exits.Stopped):
        raise
    except Exception as exc:
        log.exception("internal error in %s", args.command or "gui")
        print(
            f"cnoatlas: internal error ({type(exc).__name__}: {exc}); details in {paths.log_file()}",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
