"""Report benchmark: build one full report over the current database; print time and memory.

``python -m bench.report`` (``--months N``, ``--place ID``, ``--keep``). It uses
the app's settings (``DATABASE_URL``…), builds the report in this process and
prints the elapsed seconds, the peak of Python allocations (tracemalloc) and
the process's peak resident memory (``ru_maxrss``). See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc
from datetime import date, timedelta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=12, help="months up to today (12)")
    parser.add_argument("--place", type=int, default=None, help="narrow to this place id")
    parser.add_argument("--keep", action="store_true", help="keep the report and its files")
    args = parser.parse_args(argv)
    if args.months < 1:
        parser.error("--months must be at least 1")

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

    tracemalloc.start()
    began = time.perf_counter()
    built = report_build(report_id=report.pk)
    elapsed = time.perf_counter() - began
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # ru_maxrss is in kilobytes on Linux.
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    report.refresh_from_db()
    sizes = {
        name: default_storage.size(field.name) if field else 0
        for name, field in (("pdf", report.pdf), ("bundle", report.bundle))
    }
    print(f"report {report.pk}: {start} – {end}, place {place or 'whole network'}")
    print(f"status:            {report.status}{' (' + report.error + ')' if report.error else ''}")
    print(f"elapsed seconds:   {elapsed:.2f}")
    print(f"peak Python alloc: {peak / 2**20:.1f} MB (tracemalloc)")
    print(f"peak RSS:          {rss_mb:.1f} MB (ru_maxrss, whole process)")
    print(f"PDF:               {sizes['pdf'] / 1024:.0f} kB")
    print(f"bundle:            {sizes['bundle'] / 1024:.0f} kB")
    if not args.keep:
        for field in (report.pdf, report.bundle):
            if field:
                default_storage.delete(field.name)
        report.delete()
    return 0 if built else 1


if __name__ == "__main__":
    sys.exit(main())
