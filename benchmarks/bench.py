"""Benchmarks for dds-healthcheck, each beside the peer a user would otherwise run.

Run with `nox -s bench` (it installs the package and dds-cli 2.15.1). Writes
benchmarks/RESULTS.md. The emulated-link parts need root, /dev/net/tun and
../shared/tools/netwire/with-link (or $NETWIRE_WITH_LINK); without them they are
reported as not run, with the reason.

Every figure is the median of several runs with min and max; ratios compare figures
measured in the same run, because this machine is noisy.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import measure

BIN = Path(sys.executable).parent
TOOL = str(BIN / "dds-healthcheck")


def _fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _row(name: str, values: list[float], unit: str = "s") -> dict[str, Any]:
    figures = measure.stats(values)
    return {"name": name, "unit": unit, **figures}


def _cell(row: dict[str, Any]) -> str:
    if row["unit"] == "s":
        return f"{_fmt_ms(row['median'])} ({_fmt_ms(row['min'])}-{_fmt_ms(row['max'])})"
    return f"{row['median']:.2f} {row['unit']} ({row['min']:.2f}-{row['max']:.2f})"


def _home() -> Path:
    home = Path(tempfile.mkdtemp(prefix="bench-home-"))
    expires = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=5)).replace(tzinfo=None)
    header = base64.urlsafe_b64encode(
        json.dumps({"alg": "A256KW", "enc": "A256GCM", "exp": expires.isoformat()}).encode()
    )
    (home / ".dds_cli_token").write_text(header.rstrip(b"=").decode() + ".a" * 4)
    (home / ".dds_cli_token").chmod(0o600)
    return home


# -- 1. start-up ------------------------------------------------------------------------


def startup(runs: int) -> dict[str, Any]:
    home = _home()
    env = {
        "HOME": str(home),
        "PATH": f"{BIN}:/usr/bin:/bin",
        "DDS_HEALTHCHECK_CACHE_DIR": str(home / "cache"),
        "DDS_CLI_ENV": "development",  # dds --version calls the server at import: a closed local port
        "LANG": "C.UTF-8",
    }
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "dds-healthcheck --version": [TOOL, "--version"],
        "dds-healthcheck --offline --json": [TOOL, "--offline", "--json"],
    }
    dds = shutil.which("dds", path=str(BIN))
    if dds:
        commands["dds --version (dds-cli 2.15.1)"] = [dds, "--version"]
    times: dict[str, list[float]] = {name: [] for name in commands}
    rss: dict[str, int] = dict.fromkeys(commands, 0)
    for round_number in range(runs + 2):
        for name, command in commands.items():  # interleaved, so that noise hits all alike
            result = measure.run(command, env=env)
            if round_number >= 2:  # the first two rounds warm the page cache
                times[name].append(result.seconds)
                rss[name] = max(rss[name], result.max_rss_kb)
    shutil.rmtree(home)
    rows = [_row(name, values) for name, values in times.items()]
    offline = statistics.median(times["dds-healthcheck --offline --json"])
    version = statistics.median(times["dds-healthcheck --version"])
    ratios = {}
    if dds:
        ratios["offline run / dds --version"] = offline / statistics.median(times["dds --version (dds-cli 2.15.1)"])
    ratios["--version / python -c pass"] = version / statistics.median(times["python -c pass"])
    return {
        "rows": rows,
        "rss_kb": rss,
        "ratios": ratios,
        "targets": {
            "--version under 150 ms": version < 0.150,
            "offline run under 300 ms": offline < 0.300,
            "offline run under 0.35 x dds --version": bool(dds) and ratios.get("offline run / dds --version", 9) < 0.35,
        },
        "dds_found": bool(dds),
    }


# -- 2./3. the emulated link --------------------------------------------------------------


def _with_link() -> tuple[str | None, str]:
    candidate = os.environ.get("NETWIRE_WITH_LINK") or str(REPO.parent / "shared" / "tools" / "netwire" / "with-link")
    if not Path(candidate).exists():
        return None, f"with-link not found at {candidate}"
    if os.geteuid() != 0:
        return None, "needs root (it creates network namespaces and TUN devices)"
    if not Path("/dev/net/tun").exists():
        return None, "/dev/net/tun is missing"
    return candidate, ""


def _link(
    with_link: str, link_args: list[str], server: list[str], client: list[str], port: int, max_s: int
) -> dict[str, Any]:
    command = [
        "bash", with_link, *link_args, "--wait-port", str(port), "--max-seconds", str(max_s), "--quiet",
        "--", *server, ":::", *client,
    ]  # fmt: skip
    env = {**os.environ, "NETWIRE_PYTHON": sys.executable}
    completed = subprocess.run(command, capture_output=True, text=True, timeout=max_s + 60, check=False, env=env)
    if completed.returncode != 0:
        msg = f"with-link exited {completed.returncode}: {completed.stderr[-500:]}"
        raise RuntimeError(msg)
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def concurrency(with_link: str, runs: int) -> dict[str, Any]:
    data = _link(
        with_link,
        ["--delay-ms", "20"],
        [sys.executable, str(HERE / "fake_server.py"), "8000"],
        [sys.executable, str(HERE / "link_client.py"), "concurrency", str(runs)],
        8000,
        600,
    )
    full = statistics.median(data["full"])
    alone = {probe: statistics.median(values) for probe, values in data["alone"].items()}
    slowest = max(alone, key=lambda probe: alone[probe])
    return {
        "rtt_ms": 40,
        "full": _row("full run (all probes, cold PyPI cache)", data["full"]),
        "slowest": _row(f"slowest probe alone ({slowest})", data["alone"][slowest]),
        "alone_ms": {probe: round(value * 1000) for probe, value in sorted(alone.items(), key=lambda kv: -kv[1])},
        "overhead_ms": (full - alone[slowest]) * 1000,
        "target": (full - alone[slowest]) * 1000 <= 150,
        "statuses": data["statuses"],
        "rss_kb": data["max_rss_kb"],
    }


LINK_CONFIGS = [
    ("10 ms", ["--delay-ms", "5"]),
    ("40 ms", ["--delay-ms", "20"]),
    ("150 ms", ["--delay-ms", "75"]),
    ("40 ms, jitter +-10 ms", ["--delay-ms", "20", "--jitter-ms", "10", "--seed", "7"]),
    ("40 ms, 2% loss", ["--delay-ms", "20", "--loss", "0.02", "--seed", "7"]),
    ("150 ms, jitter +-10 ms, 2% loss", ["--delay-ms", "75", "--jitter-ms", "10", "--loss", "0.02", "--seed", "7"]),
]


def latency(with_link: str, runs: int) -> list[dict[str, Any]]:
    rows = []
    for name, args in LINK_CONFIGS:
        # Jitter and loss spread the samples: more of them, so that medians can be compared.
        count = runs * 6 if ("--jitter-ms" in args or "--loss" in args) else runs
        data = _link(
            with_link,
            args,
            [sys.executable, str(HERE / "tcp_server.py"), "9000"],
            [sys.executable, str(HERE / "link_client.py"), "latency", str(count)],
            9000,
            600,
        )
        samples = [s for run in data["ours"] for s in run["samples_ms"] if s is not None]
        # The median over all samples, as curl's is over all of its samples.
        failed = sum(run["failed"] or 0 for run in data["ours"])
        curl = [v for v in data["curl_ms"] if v is not None]
        ours_median = statistics.median(samples) if samples else float("nan")
        curl_median = statistics.median(curl) if curl else float("nan")
        difference = ours_median - curl_median
        rows.append(
            {
                "link": name,
                "nominal_rtt_ms": 2 * float(args[1]),
                "ours_median_ms": ours_median,
                "samples": len(samples),
                "ours_range_ms": (min(samples), max(samples)) if samples else None,
                "curl_median_ms": curl_median,
                "difference_ms": difference,
                "difference_pct": 100 * difference / curl_median if curl else float("nan"),
                "failed_samples": failed,
                "slow_samples": sum(1 for s in samples if s > 2 * float(args[1]) + 500),
                "curl_failed": sum(1 for v in data["curl_ms"] if v is None),
                "target": abs(difference) <= max(1.0, 0.05 * curl_median),
                "statuses": sorted({run["status"] for run in data["ours"]}),
                "rss_kb": data["max_rss_kb"],
            }
        )
    return rows


# -- 4. sizing an upload tree ----------------------------------------------------------


def tree_sizing(runs: int, files: int) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="bench-tree-"))
    tree = root / "upload"
    per_folder = 1000
    for start in range(0, files, per_folder):
        folder = tree / f"lane{start // per_folder:03d}"
        folder.mkdir(parents=True)
        for i in range(start, min(start + per_folder, files)):
            (folder / f"read{i}.fq").write_bytes(b"@r\nACGT\n+\nIIII\n")
    for i in range(4):
        with (tree / f"big{i}.bam").open("wb") as handle:
            handle.truncate((i + 1) * 1_000_000_000)  # sparse: apparent size counts, as dds would read it
    ours_command = [
        sys.executable, "-c",
        "import sys; from pathlib import Path; from dds_healthcheck.preflight import size_sources; "
        "r = size_sources([sys.argv[1]], Path('/')); print(r.total_bytes)",
        str(tree),
    ]  # fmt: skip
    du_command = ["du", "-sb", str(tree)]
    ours, du, rss = [], [], 0
    total_ours = total_du = 0
    for round_number in range(runs + 1):
        a = measure.run(ours_command)
        b = measure.run(du_command)
        total_ours, total_du = int(a.stdout), int(b.stdout.split()[0])
        if round_number:
            ours.append(a.seconds)
            du.append(b.seconds)
            rss = max(rss, a.max_rss_kb)
    shutil.rmtree(root)
    ratio = statistics.median(ours) / statistics.median(du)
    return {
        "files": files + 4,
        "ours": _row("size_sources (the preflight's walk)", ours),
        "du": _row("du -sb", du),
        "ratio": ratio,
        "target": ratio <= 1.5,
        "rss_kb": rss,
        # du counts the folders' own sizes too; the preflight counts only files, as dds uploads them.
        "bytes": {"ours": total_ours, "du": total_du},
    }


# -- 5. explain on a large log ---------------------------------------------------------


def explain_large(runs: int, size: int) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="bench-log-"))
    log = folder / "dds_data_get_big.log"
    normal = "[2026-12-01 10:00:00] dds_cli.data_getter 300   [DEBUG  ]  Downloading chunk 12345 of reads/sample_R1.fastq.gz\n"
    problem = (
        "[2026-12-01 10:00:01] dds_cli.data_getter 310   [WARNING]  Download attempt 1/5 failed for 'x': timeout\n"
    )
    with log.open("w") as handle:
        written = 0
        while written < size:
            block = normal * 999 + problem
            handle.write(block)
            written += len(block)
    times, rss = [], 0
    for round_number in range(runs + 1):
        result = measure.run([TOOL, "explain", "--json", str(log)])
        if round_number:
            times.append(result.seconds)
            rss = max(rss, result.max_rss_kb)
    shutil.rmtree(folder)
    megabytes = size / 1_000_000
    return {
        "size_mb": megabytes,
        "row": _row("dds-healthcheck explain --json (100 MB log)", times),
        "mb_per_s": megabytes / statistics.median(times),
        "rss_kb": rss,
    }


# -- the report -------------------------------------------------------------------------


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), Linux {platform.release()}, Python {platform.python_version()}"


def write_results(results: dict[str, Any], path: Path, command: str) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"- Date: {results['date']}",
        f"- Machine: {results['machine']}",
        f"- Command: `{command}`",
        "- Each figure: median (min-max) of the runs given; ratios are between figures of the same run.",
        "",
        "## 1. Start-up",
        "",
        "| command | wall time | peak RSS |",
        "|---|---|---|",
    ]
    start = results["startup"]
    for row in start["rows"]:
        lines.append(
            f"| `{row['name']}` (n={row['n']}) | {_cell(row)} | {start['rss_kb'][row['name']] / 1024:.0f} MB |"
        )
    lines += ["", "| ratio | value |", "|---|---|"]
    lines += [f"| {name} | {value:.2f} |" for name, value in start["ratios"].items()]
    lines += [
        "",
        "Targets: " + "; ".join(f"{name}: {'met' if ok else 'NOT met'}" for name, ok in start["targets"].items()),
        "",
    ]
    lines += ["## 2. Concurrency on an emulated 40 ms RTT link", ""]
    conc = results.get("concurrency")
    if isinstance(conc, dict):
        lines += [
            "| run | wall time |",
            "|---|---|",
            f"| {conc['full']['name']} (n={conc['full']['n']}) | {_cell(conc['full'])} |",
            f"| {conc['slowest']['name']} (n={conc['slowest']['n']}) | {_cell(conc['slowest'])} |",
            "",
            f"Full run minus the slowest probe alone: {conc['overhead_ms']:.0f} ms (target: within 150 ms: "
            f"{'met' if conc['target'] else 'NOT met'}). Each probe alone, median: "
            + ", ".join(f"{k} {v} ms" for k, v in conc["alone_ms"].items())
            + ".",
            "",
        ]
    else:
        lines += [f"Not run: {conc}", ""]
    lines += ["## 3. Latency accuracy (network.latency against curl's time_connect, same link, same run)", ""]
    lat = results.get("latency")
    if isinstance(lat, list):
        lines += [
            "| link (RTT) | network.latency median (samples) | vs RTT | curl median | difference | samples range | failed / slow samples | target |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for row in lat:
            spread = f"{row['ours_range_ms'][0]:.1f}-{row['ours_range_ms'][1]:.1f} ms" if row["ours_range_ms"] else "-"
            lines.append(
                f"| {row['link']} | {row['ours_median_ms']:.2f} ms ({row['samples']}) | "
                f"{row['ours_median_ms'] - row['nominal_rtt_ms']:+.2f} ms | {row['curl_median_ms']:.2f} ms | "
                f"{row['difference_ms']:+.2f} ms ({row['difference_pct']:+.1f} %) | {spread} | "
                f"{row['failed_samples']} failed, {row['slow_samples']} over RTT+500 ms (curl: {row['curl_failed']} failed) | "
                f"{'met' if row['target'] else 'NOT met'} |"
            )
        lines += ["", "Target: median within 5 % (or 1 ms) of curl's; lost packets show as failed or slow samples.", ""]
    else:
        lines += [f"Not run: {lat}", ""]
    tree = results["tree"]
    lines += [
        f"## 4. Sizing an upload tree ({tree['files']} files: small reads and 4 large sparse files)",
        "",
        "| command | wall time |",
        "|---|---|",
        f"| {tree['ours']['name']} (n={tree['ours']['n']}) | {_cell(tree['ours'])} |",
        f"| {tree['du']['name']} (n={tree['du']['n']}) | {_cell(tree['du'])} |",
        "",
        f"Ratio: {tree['ratio']:.2f} x du (target: at most 1.5: {'met' if tree['target'] else 'NOT met'}); peak RSS "
        f"{tree['rss_kb'] / 1024:.0f} MB. Bytes: {tree['bytes']['ours']} (files only) vs du {tree['bytes']['du']} "
        "(du adds the folders' own sizes).",
        "",
    ]
    big = results["explain"]
    lines += [
        "## 5. explain on a 100 MB log, and peak memory",
        "",
        f"| {big['row']['name']} (n={big['row']['n']}) | {_cell(big['row'])} | {big['mb_per_s']:.0f} MB/s | "
        f"peak RSS {big['rss_kb'] / 1024:.0f} MB |",
        "|---|---|---|---|",
        "",
        f"Peak RSS of dds-healthcheck over every benchmark: {results['peak_rss_mb']:.0f} MB (target: under 80 MB: "
        f"{'met' if results['peak_rss_mb'] < 80 else 'NOT met'}).",
        "",
    ]
    path.write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=11, help="runs per figure")
    parser.add_argument("--files", type=int, default=200_000, help="small files in the upload tree")
    parser.add_argument("--log-mb", type=int, default=100, help="size of the log for explain")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    options = parser.parse_args()
    results: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": _machine(),
    }
    print("start-up ...", flush=True)
    results["startup"] = startup(options.runs)
    with_link, reason = _with_link()
    if with_link:
        print("concurrency on a 40 ms link ...", flush=True)
        try:
            results["concurrency"] = concurrency(with_link, max(3, options.runs // 2))
        except RuntimeError as exc:  # e.g. iproute2 or unshare missing: with-link says which
            results["concurrency"] = str(exc)
        print("latency accuracy ...", flush=True)
        try:
            results["latency"] = latency(with_link, max(3, options.runs // 2))
        except RuntimeError as exc:
            results["latency"] = str(exc)
    else:
        results["concurrency"] = results["latency"] = reason
        print(f"emulated link skipped: {reason}", flush=True)
    print("upload tree ...", flush=True)
    results["tree"] = tree_sizing(max(3, options.runs // 2), options.files)
    print("explain on a large log ...", flush=True)
    results["explain"] = explain_large(max(3, options.runs // 3), options.log_mb * 1_000_000)
    ours = {k: v for k, v in results["startup"]["rss_kb"].items() if k.startswith("dds-healthcheck")}
    rss = [*ours.values(), results["tree"]["rss_kb"], results["explain"]["rss_kb"]]
    if isinstance(results["concurrency"], dict):
        rss.append(results["concurrency"]["rss_kb"])
    if isinstance(results["latency"], list):
        rss += [row["rss_kb"] for row in results["latency"]]
    results["peak_rss_mb"] = max(rss) / 1024
    command = "nox -s bench" + (" -- " + " ".join(sys.argv[1:]) if sys.argv[1:] else "")
    write_results(results, options.out, command)
    (options.out.with_suffix(".json")).write_text(json.dumps(results, indent=2, default=str))
    print(options.out.read_text())


if __name__ == "__main__":
    main()
