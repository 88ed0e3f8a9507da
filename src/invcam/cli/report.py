"""``invcam report``: rebuild a fit's report.html from its output folder."""

from __future__ import annotations

import argparse
from pathlib import Path


def _cmd_report(args: argparse.Namespace) -> None:
    from invcam.report import write_report

    print(f"wrote {write_report(Path(args.out))}")


def add_report(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="rebuild OUT/report.html from a fit's output folder")
    p.add_argument("out", help="the output folder of invcam fit")
    p.set_defaults(func=_cmd_report)
