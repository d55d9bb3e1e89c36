"""A short soak (benchmarks/soak.py, the same code): a few hundred mixed requests from 8
clients against a real `qa serve` subprocess. The full 20,000-request run is in
docs/reliability.md; it is not part of the default test run."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import soak  # noqa: E402


def test_short_soak(settings, service):
    # `service` has built the index in settings.index_dir; the server loads it unchanged.
    report, checks = soak.soak(requests=300, clients=8, docs=settings.docs_dir,
                               index_dir=settings.index_dir, model=settings.model,
                               max_sessions=12, session_ttl=3, sample_every=0.25, dev_every=3,
                               rss_limit_mb=300)  # loose: a short run is mostly warm-up
    soak.print_report(report, checks)
    assert report["requests"] >= 300
    assert all(report["by_kind"][kind]["requests"] for kind in soak.MIX), report["by_kind"]
    failed = [name for name, ok in checks.items() if not ok]
    assert not failed, (failed, report["failures"][:10])
