"""
The benchmark's report: the machine and versions, one table per section, and a line per
target (met, missed by how much and why, or not measured and why). Rendered as Markdown for
bench/results.md and as plain text for the terminal.
"""

import datetime
import json
import os
import platform
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

MET, MISSED, NOT_MEASURED = "met", "missed", "not measured"


class SkipSection(Exception):  # noqa: N818 (a signal, not an error)
    """A case or section that cannot run here; the reason is printed in its place."""


@dataclass
class Section:
    title: str
    description: str
    # (key, heading) pairs; a row is a dict of those keys, plus "note".
    columns: list
    rows: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    skipped: str | None = None


@dataclass
class Target:
    name: str
    status: str
    detail: str
    why: str = ""


@dataclass
class Report:
    mode: str
    command: str
    machine: dict
    versions: dict
    date: str
    sections: list = field(default_factory=list)
    targets: list = field(default_factory=list)


def machine_info():
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    return {
        "CPU": cpu,
        "Cores": str(os.cpu_count()),
        "Memory": memory,
        "OS": f"{platform.system()} {platform.release()}",
    }


def package_versions(names=("Django", "django-import-export", "psycopg", "tablib", "openpyxl")):
    versions = {"Python": platform.python_version()}
    for name in (*names, "python-calamine", "gunicorn"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def today():
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def format_value(value):
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value >= 1000:
            return f"{value:,.0f}"
        if value >= 100:
            return f"{value:.0f}"
        if value >= 10:
            return f"{value:.1f}"
        if value >= 0.1:
            return f"{value:.2f}"
        if value == 0:
            return "0"
        return f"{value:.3f}"
    return str(value)


def _cells(section, row):
    return [format_value(row.get(key)) for key, _ in section.columns] + [row.get("note", "")]


def _headings(section):
    return [heading for _, heading in section.columns] + ["Note"]


def _escape(cell):
    return cell.replace("|", "\\|").replace("\n", " ")


def render_markdown(report):
    lines = [
        f"# ASCN Registry benchmarks ({report.mode})",
        "",
        f"Run on {report.date} with `{report.command}`. Every figure is measured in this run; "
        "ratios compare cases measured side by side on the same machine, which is what stays "
        "meaningful on shared, noisy hardware.",
        "",
        "## Machine and versions",
        "",
        "| | |",
        "| --- | --- |",
    ]
    for key, value in {**report.machine, **report.versions}.items():
        lines.append(f"| {key} | {_escape(str(value))} |")
    lines += ["", "## Targets", ""]
    for target in report.targets:
        lines.append(f"- **{target.status}**: {target.name}: {target.detail}")
        if target.why:
            lines.append(f"  {target.why}")
    for section in report.sections:
        lines += ["", f"## {section.title}", "", section.description, ""]
        if section.skipped:
            lines += [f"Skipped: {section.skipped}", ""]
            continue
        headings = _headings(section)
        lines.append("| " + " | ".join(headings) + " |")
        lines.append("| " + " | ".join("---" for _ in headings) + " |")
        for row in section.rows:
            lines.append("| " + " | ".join(_escape(c) for c in _cells(section, row)) + " |")
        if section.notes:
            lines.append("")
            lines += [f"- {note}" for note in section.notes]
    return "\n".join(lines) + "\n"


def render_text(report):
    out = [f"ASCN Registry benchmarks ({report.mode}), {report.date}"]
    for section in report.sections:
        out += ["", section.title]
        if section.skipped:
            out.append(f"  skipped: {section.skipped}")
            continue
        table = [_headings(section)] + [_cells(section, row) for row in section.rows]
        widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
        for row in table:
            out.append("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    out += ["", "Targets"]
    out += [f"  {t.status:>12}  {t.name}: {t.detail}" for t in report.targets]
    return "\n".join(out) + "\n"


def write(report, path, section_names=()):
    """
    The Markdown report, and beside it (same name, .json) the measurements it was made from,
    so that `python -m bench --rewrite` can judge the targets again without measuring again.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_markdown(report), encoding="utf-8")
    measured = {**asdict(report), "section_names": list(section_names)}
    del measured["targets"]
    path.with_suffix(".json").write_text(
        json.dumps(measured, indent=1, default=str) + "\n", encoding="utf-8"
    )
    return path


def read_measurements(path):
    """(report without targets, {section name: Section}) from a file write() made."""
    measured = json.loads(Path(path).read_text(encoding="utf-8"))
    names = measured.pop("section_names")
    sections = [Section(**section) for section in measured.pop("sections")]
    report = Report(**measured)
    report.sections = sections
    return report, dict(zip(names, sections, strict=True))
