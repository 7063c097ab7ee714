"""How many jobs a finished workflow run ran, and what share of job wall time is start-up.

Usage: python benchmarks/job_startup.py WORKDIR [--log SNAKEMAKE_LOG] [--json OUT]

Reads, for the run directory WORKDIR (standard library only, nothing is imported from mmcore):
  * the Snakemake log (the newest WORKDIR/.snakemake/log/*.snakemake.log, or --log): each job's
    rule, start and finish (1 s resolution), and its `log:` and `benchmark:` paths;
  * each job's own log (logs/<rule>/<id>.log or logs/<rule>.log): timestamped lines (ms resolution),
    among them training progress lines such as `step 6/60 ... (0.5s)` or `epoch 1/8 ... (12.3s)`,
    whose trailing `(Xs)` is the time since training started;
  * benchmark files (benchmarks/results/<rule>/<id>.tsv): the `s` column is the wall time of the job's
    script in seconds (the last data row if a rule repeats its benchmark).

Definitions:
  job wall time   benchmark `s` if the job has a benchmark file, else finish - start from the
                  Snakemake log (then +-1 s).
  job start       for jobs with a benchmark file: timestamp of the job log's last timestamped line - s,
                  raised to the Snakemake start if it falls before it (the true start cannot); else,
                  and when the job log has no usable line, the Snakemake log's start (1 s resolution).
  training start  timestamp of the job log's first progress line - X, its trailing `(Xs)`.
  training job    a job whose log has a progress line.
  start-up        of a training job: training start - job start, clipped to [0, wall]: process start,
                  imports, data loading, model building; everything before the first training step.
                  Because the job start is taken as (last log line - s), any time the script spends
                  after its last log line (interpreter exit) is counted as start-up too; that tail is
                  estimated separately (benchmark file mtime - last log line, when the mtime lies inside
                  the job's window; mtimes do not survive copying a run directory) and printed.
  start-up share  sum of start-up / sum of wall time, over the training jobs.
  not-training share
                  (wall time of all non-training jobs + start-up of the training jobs) / all job wall time.

Only jobs with a `Finished` line count (so a run still in progress can be read); job-log lines outside
the job's Snakemake time window are ignored (a log left by another run). Missing or unreadable files are
counted and reported, never fatal. Time Snakemake spends between jobs is in no job's wall time; the run
span (first job start to last finish) is printed for comparison.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import re
import sys
from pathlib import Path

SM_TIMESTAMP = re.compile(r"^\[(\w{3} \w{3} +\d{1,2} \d{2}:\d{2}:\d{2} \d{4})\]\s*$")
SM_RULE = re.compile(r"^(?:local)?(?:rule|checkpoint) (\S+):\s*$")
SM_FIELD = re.compile(r"^\s+(\w+): (.*)$")
SM_FINISHED = re.compile(r"^Finished job(?:id:)? (\d+)\b")
LOG_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?:[,.](\d{1,6}))?\b")
PROGRESS = re.compile(r"\b(?:step|epoch) \d+/\d+\b.*\((\d+(?:\.\d+)?)s\)\s*$")
ONE_SECOND = dt.timedelta(seconds=1)

#: Data problems, in the order they are reported.
ISSUES = {
    "unfinished": "jobs started but without a Finished line (ignored)",
    "no_log_declared": "jobs whose rule declares no log and no logs/<rule>[/<id>].log exists",
    "log_missing": "job logs declared but missing or unreadable",
    "log_stale": "job logs with no timestamped line inside the job's time window (ignored)",
    "benchmark_missing": "benchmark files declared but missing (wall time from the Snakemake log)",
    "benchmark_bad": "benchmark files without a readable `s` value (wall time from the Snakemake log)",
    "start_coarse": "training jobs whose start is the Snakemake log's (1 s resolution)",
}


def newest_snakemake_log(workdir: Path) -> Path | None:
    # The names are ISO timestamps (2026-11-30T201535.460721.snakemake.log), so the newest sorts last.
    logs = sorted((workdir / ".snakemake" / "log").glob("*.snakemake.log"))
    return logs[-1] if logs else None


def parse_snakemake_log(path: Path) -> tuple[dict[int, dict], int]:
    """Return ({jobid: job} for the finished jobs, number of jobs started but not finished)."""
    jobs: dict[int, dict] = {}
    now: dt.datetime | None = None
    block: dict | None = None  # the job whose indented fields are being read
    for line in path.read_text(errors="replace").splitlines():
        if block is not None:
            field = SM_FIELD.match(line)
            if field:
                key, value = field.groups()
                if key == "jobid" and value.strip().isdigit():
                    block["jobid"] = int(value)
                elif key in ("log", "benchmark", "wildcards"):
                    block[key] = value.strip()
                continue
            if "jobid" in block:
                # A retried job starts again under the same id: the later attempt wins.
                jobs[block["jobid"]] = block
            block = None
        if m := SM_TIMESTAMP.match(line):
            try:
                now = dt.datetime.strptime(m.group(1), "%a %b %d %H:%M:%S %Y")
            except ValueError:
                pass
        elif (m := SM_RULE.match(line)) and now is not None:
            block = {"rule": m.group(1), "start": now}
        elif (m := SM_FINISHED.match(line)) and now is not None:
            job = jobs.get(int(m.group(1)))
            if job is not None:
                job["end"] = now
    if block is not None and "jobid" in block:
        jobs[block["jobid"]] = block
    finished = {jid: job for jid, job in jobs.items() if "end" in job}
    return finished, len(jobs) - len(finished)


def wildcard_values(job: dict) -> list[str]:
    text = job.get("wildcards", "")
    return [part.split("=", 1)[1] for part in text.split(", ") if "=" in part]


def job_log_path(workdir: Path, job: dict) -> tuple[Path | None, bool]:
    """(the job's log, whether the Snakemake log declared it)."""
    declared = [p.strip() for p in job.get("log", "").split(",") if p.strip()]
    if declared:
        return workdir / next((p for p in declared if p.endswith(".log")), declared[0]), True
    values = wildcard_values(job)
    candidates = [workdir / "logs" / job["rule"] / f"{values[0]}.log"] if len(values) == 1 else []
    candidates.append(workdir / "logs" / f"{job['rule']}.log")
    return next((p for p in candidates if p.is_file()), None), False


def benchmark_path(workdir: Path, job: dict) -> tuple[Path | None, bool]:
    """(the job's benchmark file, whether the Snakemake log declared it)."""
    if job.get("benchmark"):
        return workdir / job["benchmark"], True
    values = wildcard_values(job)
    if len(values) == 1:
        path = workdir / "benchmarks" / "results" / job["rule"] / f"{values[0]}.tsv"
        if path.is_file():
            return path, False
    return None, False


def read_benchmark_seconds(path: Path) -> float | None:
    """The `s` column of the last data row, or None if there is none."""
    rows = [line.split("\t") for line in path.read_text(errors="replace").splitlines() if line.strip()]
    if len(rows) < 2 or "s" not in rows[0]:
        return None
    column = rows[0].index("s")
    try:
        return float(rows[-1][column])
    except (IndexError, ValueError):
        return None


def read_job_log(path: Path, start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(timestamp of the last line, training start) from the lines inside [start, end + 1 s)."""
    last = training_start = None
    for line in path.read_text(errors="replace").splitlines():
        m = LOG_TIMESTAMP.match(line)
        if not m:
            continue
        stamp = dt.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S")
        if m.group(2):
            stamp += dt.timedelta(seconds=float("0." + m.group(2)))
        if not start <= stamp < end + ONE_SECOND:
            continue
        last = stamp
        if training_start is None and (p := PROGRESS.search(line)):
            training_start = stamp - dt.timedelta(seconds=float(p.group(1)))
    return last, training_start


def measure(workdir: Path, sm_log: Path) -> dict:
    jobs, unfinished = parse_snakemake_log(sm_log)
    issues = collections.Counter({"unfinished": unfinished})
    rows = []
    for jobid, job in sorted(jobs.items()):
        sm_start, sm_end = job["start"], job["end"]
        wall = seconds = None
        bench, declared = benchmark_path(workdir, job)
        if bench is not None:
            try:
                seconds = read_benchmark_seconds(bench)
                if seconds is None:
                    issues["benchmark_bad"] += 1
            except OSError:
                issues["benchmark_missing" if declared else "benchmark_bad"] += 1
        last = training_start = None
        log, declared = job_log_path(workdir, job)
        if log is None:
            issues["no_log_declared"] += 1
        else:
            try:
                last, training_start = read_job_log(log, sm_start, sm_end)
                if last is None:
                    issues["log_stale"] += 1
            except OSError:
                issues["log_missing"] += 1
        start, precise, raised, tail = sm_start, False, False, None
        if seconds is not None:
            wall = seconds
            if last is not None:
                start, precise = last - dt.timedelta(seconds=seconds), True
                if start < sm_start:
                    start, raised = sm_start, True
                try:
                    written = dt.datetime.fromtimestamp(bench.stat().st_mtime)
                    if last <= written < sm_end + ONE_SECOND:
                        tail = (written - last).total_seconds()
                except OSError:
                    pass
        else:
            wall = (sm_end - sm_start).total_seconds()
        startup = None
        if training_start is not None:
            startup = min(max((training_start - start).total_seconds(), 0.0), wall)
            if not precise:
                issues["start_coarse"] += 1
        rows.append({
            "jobid": jobid, "rule": job["rule"], "wildcards": job.get("wildcards", ""),
            "start": start.isoformat(sep=" ", timespec="milliseconds"), "start_precise": precise,
            "start_raised": raised, "tail_after_last_line_s": None if tail is None else round(tail, 3),
            "wall_s": round(wall, 3), "benchmarked": seconds is not None,
            "training": startup is not None, "startup_s": None if startup is None else round(startup, 3),
        })
    return summarise(rows, jobs, issues, workdir, sm_log)


def share(part: float, whole: float) -> float | None:
    return part / whole if whole > 0 else None


def summarise(rows: list[dict], jobs: dict, issues: collections.Counter, workdir: Path, sm_log: Path) -> dict:
    rules: dict[str, dict] = {}
    for row in rows:
        r = rules.setdefault(row["rule"], {
            "jobs": 0, "benchmarked": 0, "wall_s": 0.0,
            "training_jobs": 0, "training_wall_s": 0.0, "startup_s": 0.0,
        })
        r["jobs"] += 1
        r["benchmarked"] += row["benchmarked"]
        r["wall_s"] += row["wall_s"]
        if row["training"]:
            r["training_jobs"] += 1
            r["training_wall_s"] += row["wall_s"]
            r["startup_s"] += row["startup_s"]
    for r in rules.values():
        r["startup_share"] = share(r["startup_s"], r["training_wall_s"]) if r["training_jobs"] else None
    wall = sum(r["wall_s"] for r in rules.values())
    training_wall = sum(r["training_wall_s"] for r in rules.values())
    startup = sum(r["startup_s"] for r in rules.values())
    tails = sorted(row["tail_after_last_line_s"] for row in rows
                   if row["training"] and row["tail_after_last_line_s"] is not None)
    span = None
    if jobs:
        span = (max(j["end"] for j in jobs.values()) - min(j["start"] for j in jobs.values())).total_seconds()
    return {
        "workdir": str(workdir), "snakemake_log": str(sm_log),
        "definitions": __doc__.split("Definitions:\n", 1)[1].split("\n\nOnly jobs", 1)[0],
        "rules": rules,
        "totals": {
            "jobs": len(rows), "training_jobs": sum(r["training_jobs"] for r in rules.values()),
            "wall_s": wall, "training_wall_s": training_wall, "startup_s": startup,
            "startup_share": share(startup, training_wall),
            "not_training_s": wall - training_wall + startup,
            "not_training_share": share(wall - training_wall + startup, wall),
            "run_span_s": span,
            "starts_raised": sum(row["start_raised"] for row in rows),
            "training_tails": len(tails),
            "training_tail_s": sum(tails),
            "training_tail_median_s": tails[len(tails) // 2] if tails else None,
        },
        "issues": {key: issues[key] for key in ISSUES if issues[key]},
        "jobs": rows,
    }


def pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def render(result: dict) -> str:
    t = result["totals"]
    out = [
        f"Run `{result['workdir']}`, Snakemake log `{Path(result['snakemake_log']).name}` (finished jobs only).",
        "",
        "| rule | jobs | benchmarked | wall s | mean wall s | training jobs | start-up s | start-up share |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in sorted(result["rules"].items(), key=lambda kv: -kv[1]["wall_s"]):
        startup = f"{r['startup_s']:.1f}" if r["training_jobs"] else "-"
        out.append(
            f"| {name} | {r['jobs']} | {r['benchmarked']} | {r['wall_s']:.1f} | {r['wall_s'] / r['jobs']:.2f} "
            f"| {r['training_jobs'] or '-'} | {startup} "
            f"| {pct(r['startup_share'])} |"
        )
    out.append(
        f"| **total** | {t['jobs']} | {sum(r['benchmarked'] for r in result['rules'].values())} | {t['wall_s']:.1f} "
        f"| {t['wall_s'] / t['jobs'] if t['jobs'] else 0:.2f} | {t['training_jobs']} | {t['startup_s']:.1f} "
        f"| {pct(t['startup_share'])} |"
    )
    out += [
        "",
        f"- jobs in the run: {t['jobs']}; total job wall time {t['wall_s']:.1f} s"
        + (f" (run span, first start to last finish: {t['run_span_s']:.0f} s)" if t["run_span_s"] is not None else ""),
        f"- training jobs' start-up share: {pct(t['startup_share'])} "
        f"({t['startup_s']:.1f} s start-up of {t['training_wall_s']:.1f} s wall, {t['training_jobs']} jobs)",
        f"- not training, share of all job wall time: {pct(t['not_training_share'])} "
        f"({t['not_training_s']:.1f} s: non-training jobs in full + training jobs' start-up)",
        "- wall = benchmark `s`, else Snakemake finish - start; start = last job-log line - `s`, else Snakemake "
        "start; start-up = first progress line - its `(Xs)` - start, clipped to [0, wall] (details: --help).",
    ]
    out.append(f"- benchmarked jobs whose start (last line - s) fell before the Snakemake start, raised to it: "
               f"{t['starts_raised']}")
    if t["training_tails"]:
        out.append(
            f"- of the start-up, time after the job log's last line (benchmark file mtime - last line, "
            f"{t['training_tails']} training jobs): median {t['training_tail_median_s']:.2f} s/job, "
            f"{t['training_tail_s']:.1f} s in all"
        )
    if result["issues"]:
        out.append("- data issues: " + "; ".join(f"{ISSUES[k]}: {n}" for k, n in result["issues"].items()))
    else:
        out.append("- data issues: none")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n", 1)[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("workdir", type=Path, help="the workflow's run directory")
    parser.add_argument("--log", type=Path, help="the Snakemake log (default: the newest in WORKDIR/.snakemake/log)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the totals, rules and jobs as JSON")
    args = parser.parse_args(argv)
    sm_log = args.log or newest_snakemake_log(args.workdir)
    if sm_log is None or not sm_log.is_file():
        print(f"error: no Snakemake log found ({sm_log or args.workdir / '.snakemake/log'})", file=sys.stderr)
        return 1
    try:
        result = measure(args.workdir, sm_log)
    except OSError as err:
        print(f"error: cannot read the Snakemake log: {err}", file=sys.stderr)
        return 1
    print(render(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
