"""The report's files: one CSV per table, and the HTML page around the charts. Pure (text in,
text out): only published values (suppressed, rounded) are ever written."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from html import escape

from consumers.report.suppression import TOTAL, Table
from consumers.report.workforce import Assumptions

__all__ = ["RULES", "page", "report_json", "table_csv", "workforce_csv"]

RULES = (
    "Counts from 1 to 7 are shown as * and every other count is rounded to the nearest 5 "
    "(0 stays 0), in every table, chart and CSV of this report.",
    "Secondary suppression: where one hidden count in a week's column could be worked out from "
    "the column's total, another count (the smallest) or the total is hidden too; a count that "
    "appears in more than one table (a week's total, or the social care total that is also a "
    "cell of the table by organisation kind) is hidden everywhere if it is hidden anywhere.",
    "Totals are of the true counts, then rounded, so columns need not add up exactly.",
    "Charts show the published values; a * is a gap in the line.",
    "People who opted out (Type 1 or National Data Opt-out) are not counted. Nothing here names "
    "anyone: people are counted by keyed pseudonym, age band, sex and postcode district, per "
    "ISO week.",
)


def table_csv(table: Table) -> str:
    """The table as CSV: one line per row and the total, one column per week."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([table.dimension, *table.weeks])
    for row in [*table.rows, TOTAL]:
        writer.writerow([row, *(table.published[(row, w)] for w in table.weeks)])
    return out.getvalue()


def workforce_csv(weeks: Sequence[str], fte: Mapping[str, Sequence[float]]) -> str:
    """FTE per staff group per week (one decimal)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["staff_group", *weeks])
    for group, values in fte.items():
        writer.writerow([group, *(f"{v:.1f}" for v in values)])
    return out.getvalue()


def _html_table(table: Table) -> str:
    head = "".join(f"<th scope='col'>{escape(w)}</th>" for w in table.weeks)
    body = "".join(
        f"<tr><th scope='row'>{escape(r)}</th>"
        + "".join(f"<td>{escape(table.published[(r, w)])}</td>" for w in table.weeks) + "</tr>"
        for r in [*table.rows, TOTAL]
    )  # fmt: skip
    return (f"<table><thead><tr><th scope='col'>{escape(table.dimension)}</th>{head}</tr>"
            f"</thead><tbody>{body}</tbody></table>")  # fmt: skip


def _section(table: Table) -> str:
    return (f"<section id='{escape(table.name)}'><h2>{escape(table.title)}</h2>"
            f"<img src='{escape(table.name)}.png' alt='Chart: {escape(table.title)}'>"
            f"<p><a href='{escape(table.name)}.csv'>CSV</a></p>"
            f"<div class='scroll'>{_html_table(table)}</div></section>")  # fmt: skip


def _workforce(assumptions: Assumptions, weeks: Sequence[str],
               fte: Mapping[str, Sequence[float]], trends: Mapping[str, float]) -> str:  # fmt: skip
    rows = "".join(
        f"<tr><th scope='row'>{escape(s.label)}</th>"
        f"<td>{sum(fte[s.group]) / max(1, len(weeks)):.1f}</td>"
        f"<td>{trends[s.group]:+.2f}</td><td>{s.contacts_per_fte_week:g}</td>"
        f"<td>{escape(s.source)}</td></tr>"
        for s in assumptions.staff
    )
    shares = "; ".join(
        f"{escape(kind)}: " + ", ".join(f"{escape(g)} {v:g}" for g, v in groups.items())
        for kind, groups in assumptions.shares.items()
    )
    return (
        "<section id='workforce'><h2>Workforce estimate</h2>"
        "<p>Demand per week (published encounters by organisation kind, a * counted as 4) "
        "turned into full-time equivalent staff: demand x the staff group's share of that kind "
        "of organisation's encounters / contacts one FTE handles in a week. The trend is the "
        "least-squares change in FTE per week over the period.</p>"
        "<img src='workforce.png' alt='Chart: workforce estimate'>"
        "<p><a href='workforce.csv'>CSV</a></p>"
        "<table><thead><tr><th scope='col'>staff group</th><th scope='col'>mean FTE per week"
        "</th><th scope='col'>trend (FTE per week)</th><th scope='col'>assumed contacts per "
        "FTE per week</th><th scope='col'>source to take the figure from</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        f"<p>Assumed shares of encounters by organisation kind: {shares}.</p>"
        "<p><strong>The contacts per FTE and the shares are illustrative assumptions for the "
        "synthetic region, not figures from the sources named</strong>; a deployment replaces "
        "them with its own (MCR_PLANNING_WORKFORCE_FILE).</p></section>"
    )


_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem;color:#212b32}"
    "table{border-collapse:collapse;font-size:.8rem;margin:.5rem 0}"
    "th,td{border:1px solid #d8dde0;padding:.2rem .4rem;text-align:right}"
    "th[scope=row]{text-align:left}.scroll{overflow-x:auto}img{max-width:100%}"
)


def page(*, title: str, period: str, generated: str, tables: Sequence[Table],
         assumptions: Assumptions, weeks: Sequence[str], fte: Mapping[str, Sequence[float]],
         trends: Mapping[str, float]) -> str:  # fmt: skip
    """The whole HTML page (self-contained apart from its PNG and CSV files)."""
    rules = "".join(f"<li>{escape(rule)}</li>" for rule in RULES)
    sections = "".join(_section(t) for t in tables)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1><p>Weeks {escape(period)}; made {escape(generated)}.</p>"
        f"<section id='rules'><h2>How the numbers are protected</h2><ul>{rules}</ul></section>"
        f"{_workforce(assumptions, weeks, fte, trends)}{sections}</body></html>"
    )


def report_json(
    *, title: str, period: str, generated: str, tables: Sequence[Table],
    assumptions: Assumptions, weeks: Sequence[str], fte: Mapping[str, Sequence[float]],
    trends: Mapping[str, float],
) -> str:  # fmt: skip
    """The same published content as the page, for the viewer (charts by file name)."""
    return json.dumps({
        "title": title, "period": period, "generated": generated, "rules": list(RULES),
        "workforce": {
            "chart": "workforce.png", "weeks": list(weeks),
            "groups": [{"group": s.group, "label": s.label,
                        "mean_fte": round(sum(fte[s.group]) / max(1, len(weeks)), 1),
                        "trend_per_week": round(trends[s.group], 2),
                        "contacts_per_fte_week": s.contacts_per_fte_week, "source": s.source}
                       for s in assumptions.staff],
        },
        "tables": [{"name": t.name, "title": t.title, "dimension": t.dimension,
                    "chart": f"{t.name}.png", "csv": f"{t.name}.csv", "weeks": list(t.weeks),
                    "rows": [{"row": r, "values": [t.published[(r, w)] for w in t.weeks]}
                             for r in [*t.rows, TOTAL]]}
                   for t in tables],
    }, indent=1)  # fmt: skip
