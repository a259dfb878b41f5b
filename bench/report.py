"""Report benchmark: build one full report over the current database; print time and memory.

``python -m bench.report`` (``--months N``, ``--place ID``, ``--keep``). It uses
the app's settings (``DATABASE_URL``…) and builds the report twice, each time
in a fresh process of its own: a time pass without ``tracemalloc`` (which
slows allocation-heavy code by a large factor), then a memory pass with it.
It prints the time pass's elapsed seconds and peak resident memory
(``ru_maxrss``), and the memory pass's peak of Python allocations and peak
resident memory. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from datetime import date, timedelta


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=12, help="months up to today (12)")
    parser.add_argument("--place", type=int, default=None, help="narrow to this place id")
    parser.add_argument("--keep", action="store_true", help="keep the reports and their files")
    parser.add_argument(
        "--pass",
        dest="only",
        choices=("time", "memory"),
        default=None,
        help="run one pass in this process and print its figures as JSON (default: both "
        "passes, each in a process of its own)",
    )
    args = parser.parse_args(argv)
    if args.months < 1:
        parser.error("--months must be at least 1")
    return args


def one_pass(args: argparse.Namespace) -> dict:
    """Build one report in this process; its figures."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coalition.settings")
    import django

    django.setup()
    from django.core.files.storage import default_storage

    from coalition.models import Place
    from reporting.models import Report
    from reporting.services.reports import report_build

    today = date.today()
    end = today.replace(day=1) - timedelta(days=1)
    start = end.replace(day=1)
    for _ in range(args.months - 1):
        start = (start - timedelta(days=1)).replace(day=1)
    place = Place.objects.get(pk=args.place) if args.place else None
    # Created directly, not through report_request: no task is queued, the
    # build runs here where it is measured.
    report = Report.objects.create(period_start=start, period_end=end, place=place)

    memory = args.only == "memory"
    if memory:
        tracemalloc.start()
    began = time.perf_counter()
    built = report_build(report_id=report.pk)
    elapsed = time.perf_counter() - began
    peak = None
    if memory:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    # ru_maxrss is in kilobytes on Linux.
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    report.refresh_from_db()
    figures = {
        "report": report.pk,
        "start": str(start),
        "end": str(end),
        "place": str(place) if place else None,
        "status": report.status,
        "error": report.error,
        "built": built,
        "elapsed_seconds": elapsed,
        "peak_rss_mb": rss_mb,
        "peak_python_mb": peak / 2**20 if peak is not None else None,
        "pdf_kb": default_storage.size(report.pdf.name) / 1024 if report.pdf else 0,
        "bundle_kb": default_storage.size(report.bundle.name) / 1024 if report.bundle else 0,
    }
    if not args.keep:
        for field in (report.pdf, report.bundle):
            if field:
                default_storage.delete(field.name)
        report.delete()
    return figures


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.only:
        print(json.dumps(one_pass(args)))
        return 0
    passes = {}
    for name in ("time", "memory"):
        command = [
            sys.executable,
            "-m",
            "bench.report",
            "--pass",
            name,
            "--months",
            str(args.months),
        ]
        if args.place:
            command += ["--place", str(args.place)]
        if args.keep:
            command.append("--keep")
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.stderr.write(done.stdout + done.stderr)
            return 1
        passes[name] = json.loads(done.stdout.strip().splitlines()[-1])
    timed, memory = passes["time"], passes["memory"]
    error = f" ({timed['error']})" if timed["error"] else ""
    print(f"report: {timed['start']} – {timed['end']}, place {timed['place'] or 'whole network'}")
    print(f"status:            {timed['status']}{error}")
    print("time pass (no tracemalloc):")
    print(f"  elapsed seconds: {timed['elapsed_seconds']:.2f}")
    print(f"  peak RSS:        {timed['peak_rss_mb']:.1f} MB (ru_maxrss, whole process)")
    print("memory pass (tracemalloc on, so slower; its own process):")
    print(f"  peak Python alloc: {memory['peak_python_mb']:.1f} MB (tracemalloc)")
    print(
        f"  peak RSS:          {memory['peak_rss_mb']:.1f} MB (ru_maxrss, with tracemalloc's own)"
    )
    print(f"  elapsed seconds:   {memory['elapsed_seconds']:.2f} (not the report's time)")
    print(f"PDF:               {timed['pdf_kb']:.0f} kB")
    print(f"bundle:            {timed['bundle_kb']:.0f} kB")
    return 0 if timed["built"] and memory["built"] else 1


if __name__ == "__main__":
    sys.exit(main())
