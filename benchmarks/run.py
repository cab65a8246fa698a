"""Measure sitegen on synthetic corpora, optionally side by side with Hugo and MkDocs.

    python benchmarks/run.py                       # 200, 10000 and 30000 papers
    python benchmarks/run.py --papers 200,10000 --peers --runs 3
    python benchmarks/run.py --papers 10000,30000,100000 --peers --no-mkdocs --runs 1 --no-rebuilds

For each size it also reports the output's kilobytes per paper, the whole index's, and
the largest file, and (below the table) where each paper's bytes go, by part of the
site.  MkDocs is built only up to 50,000 papers (minutes per build beyond).

For each size it prints one row: parse time, full build wall time, pages
written, pages per second, peak memory, output size, search index size (raw
and gzip) and the incremental figure (one dump edited, time until the rebuilt
site is complete).  Times are medians over --runs; with --peers, builds of
sitegen, Hugo and MkDocs alternate so that they share the machine's noise, and
sitegen's time is given as a ratio to each.  The figures are also written as
JSON (--json, default benchmarks/out/results.json).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import make_corpus  # noqa: E402
import peers  # noqa: E402
from sitegen.content.dumps import parse_dump_bytes  # noqa: E402
from sitegen.pieces import join_pieces  # noqa: E402

MKDOCS_MAX_PAPERS = 50_000  # MkDocs takes many minutes past this: only sitegen and Hugo run


def timed_run(command: list[str], cwd: Path | None = None) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MiB, largest single process) and CPU seconds (user and
    system, of the command and the processes it waited for) of a command.  CPU time
    moves less than wall time when the shared machine is busy."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{process.stderr.read().decode()[-3000:]}")
    process.stderr.close()
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def sitegen_command(corpus: Path, out: Path) -> list[str]:
    byte_compiled_sitegen()
    return [sys.executable, "-m", "sitegen", "build", "--quiet", "-c", str(corpus / "site.yaml"),
            "-o", str(out)]


@functools.cache
def byte_compiled_sitegen() -> None:
    """sitegen's modules compiled to bytecode (in their __pycache__ folders), as `pip install`
    leaves them and as Python does on a first run: with PYTHONDONTWRITEBYTECODE set (as it
    may be on a developer's machine), every timed run would compile them from source again,
    which a user's `sitegen build` never does."""
    import compileall
    import sitegen
    compileall.compile_dir(Path(sitegen.__file__).parent, quiet=1)


def folder_size(folder: Path) -> tuple[int, int]:
    files = [path for path in folder.rglob("*") if path.is_file()]
    return len(files), sum(path.stat().st_size for path in files)


def read_whole(out: Path, name: str) -> str:
    """A file of the site, its pieces joined if it was written in pieces."""
    return join_pieces(lambda relative: (out / relative).read_bytes(), name).decode("utf-8")


def largest_file(folder: Path) -> tuple[str, int]:
    size, path = max((path.stat().st_size, path) for path in folder.rglob("*") if path.is_file())
    return path.relative_to(folder).as_posix(), size


def weight_by_part(folder: Path) -> dict[str, int]:
    """Bytes of the site by part: papers/, search/lunr.json (whole index, its pieces
    included), the rest of search/, topics/, days/, papers.json (pieces included), the
    sitemaps, everything else."""
    parts: dict[str, int] = {}
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        relative = path.relative_to(folder).as_posix()
        part = next((name for name in ("search/lunr.json", "search/parts/", "search/docs/", "papers.json",
                                       "papers/", "topics/", "days/", "sitemap") if relative.startswith(name)),
                    "other")
        parts[part] = parts.get(part, 0) + path.stat().st_size
    return dict(sorted(parts.items(), key=lambda item: -item[1]))


def search_index_size(out: Path) -> tuple[int, int] | None:
    folder = out / "search"
    if not folder.is_dir():
        return None
    files = [path for path in folder.rglob("*") if path.is_file()]
    raw = sum(path.stat().st_size for path in files)
    return raw, sum(len(gzip.compress(path.read_bytes(), 6)) for path in files)


FIRST_QUERY = "spiking neural networks"


def first_search_download(out: Path, query: str = FIRST_QUERY) -> float | None:
    """KiB (gzip) a browser fetches for its first search: lunr.js, manifest, the parts of the
    query's terms, the files naming the first 8 results' document chunks and those chunks."""
    manifest_path = out / "search" / "manifest.js"
    if not manifest_path.exists():
        return None
    from bisect import bisect_right

    from lunr.index import Index
    from lunr.stemmer import stemmer
    from lunr.token import Token

    text = manifest_path.read_text(encoding="utf-8")
    manifest = json.loads(text[text.index("(") + 1: text.rindex(")")])
    terms = [str(stemmer(Token(word.lower()))) for word in query.split()]
    parts = {max(0, bisect_right(manifest["parts"], term) - 1) for term in terms}
    index = Index.load(json.loads(read_whole(out, "search/lunr.json")))
    position = {paper["id"]: n for n, paper in enumerate(json.loads(read_whole(out, "papers.json")))}
    starts, per_file = [0], manifest["namesPerFile"]
    for size in manifest["chunkSizes"][:-1]:
        starts.append(starts[-1] + size)
    chunks = {bisect_right(starts, position[result["ref"]]) - 1 for result in index.search(query)[:8]}
    name_files = {chunk // per_file for chunk in chunks}
    names = {number: json.loads(text[text.index(",") + 1: text.rindex(")")]) for number in name_files
             for text in [(out / "search/chunks" / f"{number}.js").read_text(encoding="utf-8")]}
    files = [REPO / "static/vendor/lunr-2.3.9/lunr.min.js", manifest_path,
             *(out / "search/parts" / f"{n}.js" for n in parts),
             *(out / "search/chunks" / f"{n}.js" for n in name_files),
             *(out / "search/docs" / f"{names[chunk // per_file][chunk % per_file]}.js" for chunk in chunks)]
    return sum(len(gzip.compress(path.read_bytes(), 6)) for path in files) / 1024


def browser_first_result_ms(out: Path, query: str = FIRST_QUERY) -> float | None:
    """Milliseconds from typing the query to the first result shown, in headless Chromium
    against a local server.  The box has been focused first, which (by design) starts the
    search worker and loads lunr.js and the manifest; the query's index parts and result
    details are fetched after typing and are included."""
    if not Path("/usr/bin/chromium").exists():
        return None
    import functools
    import http.server
    import threading

    from playwright.sync_api import sync_playwright

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
            page.focus("#site-search-box")
            page.evaluate("window.sitegenSearchRun('')")  # resolves once the engine is ready
            elapsed = page.evaluate("""query => new Promise(resolve => {
                const box = document.getElementById('site-search-box');
                const started = performance.now();
                new MutationObserver((_, observer) => {
                  if (document.querySelector('.search-dropdown .search-result')) {
                    observer.disconnect(); resolve(performance.now() - started);
                  }
                }).observe(document.body, {childList: true, subtree: true});
                box.value = query; box.dispatchEvent(new Event('input'));
            })""", query)
            browser.close()
            return elapsed
    finally:
        server.shutdown()


def serve_reload_seconds(corpus: Path) -> float:
    """`sitegen serve` on the corpus: seconds from saving an edited dump to the reload event
    that open pages receive and then the edited paper's page, with its new title, as the
    reloading browser asks for it."""
    import http.client
    import re
    import socket
    import threading

    from markupsafe import escape

    from sitegen.content.slugs import slugify

    process = subprocess.Popen([sys.executable, "-m", "sitegen", "serve", "--port", "0", "-c",
                                str(corpus / "site.yaml")], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        line = ""
        while not line.startswith("Serving "):
            line = process.stdout.readline()
            if not line:
                raise SystemExit("sitegen serve did not start")
        threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
        port, mount = re.search(r":(\d+)(/\S*)", line).groups()
        events = socket.create_connection(("127.0.0.1", int(port)), timeout=600)
        events.sendall(f"GET {mount}__sitegen__/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        events.recv(4096)  # the response headers
        time.sleep(0.5)
        try:
            started = time.perf_counter()
            with edited_dump(corpus) as title:
                received = b""
                while b"event: reload" not in received:
                    chunk = events.recv(4096)
                    if not chunk:
                        raise SystemExit("the event stream closed")
                    received += chunk
                page = http.client.HTTPConnection("127.0.0.1", int(port), timeout=600)
                page.request("GET", f"{mount}papers/{slugify(title)}/")
                response = page.getresponse()
                body = response.read()
                elapsed = time.perf_counter() - started
                page.close()
                if response.status != 200 or str(escape(title)).encode() not in body:
                    raise SystemExit(f"the edited paper's page is not served ({response.status})")
                return elapsed
        finally:
            events.close()
    finally:
        process.send_signal(2)
        process.wait(30)


def parse_seconds(corpus: Path) -> float:
    started = time.perf_counter()
    for path in sorted((corpus / "dumps").rglob("*.txt")):
        parse_dump_bytes(path.read_bytes(), path.name)
    return time.perf_counter() - started


def seed_digest(work: Path) -> Path:
    """A copy of the digest this repository ships (site.yaml and seeds/), to edit freely."""
    copy = work / "seed-digest"
    shutil.rmtree(copy, ignore_errors=True)
    copy.mkdir(parents=True)
    shutil.copy(REPO / "site.yaml", copy / "site.yaml")
    shutil.copytree(REPO / "seeds", copy / "seeds")
    return copy


@contextlib.contextmanager
def edited_dump(corpus: Path):
    """A corrected title in the middle dump while the block runs (given to it); the dump is
    restored after."""
    dumps = sorted(path for folder in ("dumps", "seeds") for path in (corpus / folder).rglob("*.txt"))
    dump = dumps[len(dumps) // 2]
    original = dump.read_text(encoding="utf-8")
    lines = original.split("\n")
    title_index = parse_dump_bytes(original.encode("utf-8"), dump.name).entries[0].line - 1
    lines[title_index] += " (revised)"
    edited = "\n".join(lines)
    try:
        dump.write_text(edited, encoding="utf-8")
        yield parse_dump_bytes(edited.encode("utf-8"), dump.name).entries[0].title
    finally:
        dump.write_text(original, encoding="utf-8")


def incremental_seconds(corpus: Path, out: Path) -> float:
    """Edit one dump (a corrected title), rebuild, and time until the site is complete.  The
    build before the edit leaves the build cache that a curator's previous build would."""
    timed_run(sitegen_command(corpus, out))
    with edited_dump(corpus):
        wall, _, _ = timed_run(sitegen_command(corpus, out))
        assert "(revised)" in read_whole(out, "papers.json")
    return wall


def ensure_corpus(size: int, work: Path) -> Path:
    corpus = work / f"corpus-{size}"
    stamp = corpus / ".generator"
    fingerprint = hashlib.sha256(Path(make_corpus.__file__).read_bytes()).hexdigest()
    if not (stamp.exists() and stamp.read_text() == fingerprint):
        if corpus.exists():
            shutil.rmtree(corpus)
        make_corpus.write_corpus(size, corpus)
        stamp.write_text(fingerprint)
    return corpus


def measure(size: int, runs: int, with_peers: bool, work: Path, rebuilds: bool = True,
            mkdocs: bool = True) -> dict:
    corpus = ensure_corpus(size, work)
    out = work / f"site-{size}"
    row: dict = {"papers": size}
    row["parse_s"] = statistics.median(parse_seconds(corpus) for _ in range(runs))

    # name -> (command, output folder emptied before each timed run, or None).  A build
    # writes over the previous run's output, as a user's next build does (Hugo rewrites
    # its files, sitegen compares and writes what differs); "fresh" builds start with
    # an empty output folder.
    contenders = {"sitegen": (sitegen_command(corpus, out), None),
                  "sitegen_fresh": (sitegen_command(corpus, out), out)}
    if with_peers:
        timed_run(sitegen_command(corpus, out))  # papers.json is the peers' input
        papers = json.loads(read_whole(out, "papers.json"))
        per_page = 50
        peers.write_hugo_site(papers, work / f"hugo-{size}", per_page)
        mkdocs = mkdocs and size <= MKDOCS_MAX_PAPERS
        if mkdocs:
            peers.write_mkdocs_site(papers, work / f"mkdocs-{size}")
        hugo_out = work / f"hugo-{size}-out"
        contenders["hugo"] = (peers.hugo_command(work / f"hugo-{size}", hugo_out), None)
        contenders["hugo_fresh"] = (peers.hugo_command(work / f"hugo-{size}", hugo_out), hugo_out)
        if mkdocs:
            contenders["mkdocs"] = (peers.mkdocs_command(work / f"mkdocs-{size}", work / f"mkdocs-{size}-out"),
                                    None)  # it empties its output folder itself

    walls: dict[str, list[float]] = {name: [] for name in contenders}
    peaks: dict[str, list[float]] = {name: [] for name in contenders}
    cpus: dict[str, list[float]] = {name: [] for name in contenders}
    for run in range(runs):
        for name, (command, emptied) in contenders.items():  # alternate: all share the same noise
            if name == "mkdocs" and run > 0 and size > 5000:
                continue  # minutes per build: once is enough at this size
            print(f"  {size} papers: {name} run {run + 1}…", file=sys.stderr, flush=True)
            if name.startswith("sitegen"):  # a full build: nothing cached from an earlier one
                shutil.rmtree(os.environ["SITEGEN_CACHE_DIR"], ignore_errors=True)
            if emptied is not None:
                shutil.rmtree(emptied, ignore_errors=True)
                os.sync()  # the deletion's disk work is not left to the timed build
            wall, peak, cpu = timed_run(command)
            walls[name].append(wall)
            peaks[name].append(peak)
            cpus[name].append(cpu)

    pages, total_bytes = folder_size(out)
    row["largest_file"], row["largest_file_bytes"] = largest_file(out)
    row["largest_file_mb"] = row["largest_file_bytes"] / 1e6
    row["output_kb_per_paper"] = total_bytes / 1e3 / size
    row["output_mb_per_paper"] = total_bytes / 1e6 / size
    row["bytes_by_part"] = weight_by_part(out)
    row["whole_index_kb_per_paper"] = row["bytes_by_part"].get("search/lunr.json", 0) / 1e3 / size
    row.update(
        build_s=statistics.median(walls["sitegen"]),
        fresh_s=statistics.median(walls["sitegen_fresh"]),
        pages=sum(1 for _ in out.rglob("*.html")),
        files=pages,
        peak_mib=max(peaks["sitegen"] + peaks["sitegen_fresh"]),
        output_mib=total_bytes / 2**20,
    )
    row["build_runs_s"], row["fresh_runs_s"] = walls["sitegen"], walls["sitegen_fresh"]
    row["build_cpu_s"] = statistics.median(cpus["sitegen"])
    row["pages_per_s"] = row["pages"] / row["build_s"]
    index = search_index_size(out)
    row["index_raw_kib"], row["index_gzip_kib"] = (index[0] / 1024, index[1] / 1024) if index else (None, None)
    row["first_search_kib"] = first_search_download(out)
    row["first_result_ms"] = browser_first_result_ms(out)
    if rebuilds:
        row["incremental_runs_s"] = [incremental_seconds(corpus, out) for _ in range(runs)]
        row["incremental_s"] = statistics.median(row["incremental_runs_s"])
        row["serve_reload_runs_s"] = [serve_reload_seconds(corpus) for _ in range(runs)]
        row["serve_reload_s"] = statistics.median(row["serve_reload_runs_s"])
    for name in contenders:
        if not name.startswith("sitegen"):
            row[f"{name}_s"] = statistics.median(walls[name])
            row[f"{name}_runs_s"] = walls[name]
            row[f"{name}_peak_mib"] = max(peaks[name])
            row[f"{name}_cpu_s"] = statistics.median(cpus[name])
            ours = row["fresh_s"] if name.endswith("_fresh") else row["build_s"]
            row[f"ratio_to_{name}"] = ours / row[f"{name}_s"]
            if name == "hugo":
                row["cpu_ratio_to_hugo"] = row["build_cpu_s"] / row["hugo_cpu_s"]
    return row


def fmt(value, digits=2) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def print_table(rows: list[dict]) -> None:
    columns = [("papers", "papers", 0), ("parse_s", "parse s", 2), ("build_s", "build s", 2),
               ("build_cpu_s", "build cpu s", 1), ("fresh_s", "fresh s", 2),
               ("pages", "pages", 0), ("pages_per_s", "pages/s", 0), ("peak_mib", "peak MiB", 0),
               ("output_mib", "output MiB", 1), ("output_kb_per_paper", "KB/paper", 1),
               ("whole_index_kb_per_paper", "lunr.json KB/paper", 2), ("largest_file_mb", "largest MB", 1),
               ("index_raw_kib", "index KiB", 0),
               ("index_gzip_kib", "gzip KiB", 0), ("first_search_kib", "1st search KiB", 0),
               ("first_result_ms", "1st result ms", 0), ("incremental_s", "incr. s", 2),
               ("serve_reload_s", "reload s", 2)]
    for peer in ("hugo", "hugo_fresh", "mkdocs"):
        if any(f"{peer}_s" in row for row in rows):
            label = peer.replace("_", " ")
            columns += [(f"{peer}_s", f"{label} s", 2), (f"ratio_to_{peer}", f"÷{label}", 2)]
            if peer == "hugo":
                columns += [("hugo_cpu_s", "hugo cpu s", 1), ("cpu_ratio_to_hugo", "÷hugo cpu", 2)]
    table = [[label for _, label, _ in columns]]
    for row in rows:
        table.append([fmt(row.get(key), digits) if digits else fmt(round(row[key]) if isinstance(
            row.get(key), float) else row.get(key)) for key, _, digits in columns])
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    for line in table:
        print("  ".join(cell.rjust(width) for cell, width in zip(line, widths)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", default="200,10000,30000",
                        help="comma-separated corpus sizes (default: 200,10000,30000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; medians are reported")
    parser.add_argument("--peers", action="store_true", help="also build with Hugo and MkDocs")
    parser.add_argument("--work", type=Path, default=HERE / "out", help="where corpora and sites go")
    parser.add_argument("--json", type=Path, default=None, help="write results here as JSON")
    parser.add_argument("--no-rebuilds", dest="rebuilds", action="store_false",
                        help="skip the rebuild figures (incr. s, reload s), which take three more builds")
    parser.add_argument("--no-mkdocs", dest="mkdocs", action="store_false",
                        help="with --peers, build with Hugo only")
    args = parser.parse_args()
    sizes = [int(size) for size in args.papers.split(",") if size.strip()]
    args.work.mkdir(parents=True, exist_ok=True)
    # Builds keep their cache here, not in ~/.cache; emptied before every timed full build.
    os.environ["SITEGEN_CACHE_DIR"] = str(args.work.resolve() / "build-cache")
    versions = {"python": platform.python_version(), "cores": os.cpu_count()}
    if args.peers:
        versions["hugo"] = peers.ensure_hugo()
        if args.mkdocs:
            versions["mkdocs"] = peers.ensure_mkdocs()
    rows = [measure(size, max(1, args.runs), args.peers, args.work, args.rebuilds, args.mkdocs) for size in sizes]
    seed_reload = None
    if args.rebuilds:
        seeds = seed_digest(args.work)
        seed_reload = statistics.median(serve_reload_seconds(seeds) for _ in range(max(1, args.runs)))
    print_table(rows)
    for row in rows:
        parts = ", ".join(f"{part} {size / 1e3 / row['papers']:.1f}" for part, size in row["bytes_by_part"].items())
        print(f"{row['papers']} papers, KB per paper by part: {parts}; largest file {row['largest_file']} "
              f"({row['largest_file_mb']:.1f} MB)")
    if seed_reload is not None:
        print(f"serve, the shipped seed digest: {seed_reload:.2f} s from saving a corrected title to "
              "the reload event and the paper's page served")
    print(f"({', '.join(f'{k} {v}' for k, v in versions.items())}; medians of {args.runs} runs)")
    result_path = args.json or args.work / "results.json"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True,
                            text=True).stdout.strip()
    result_path.write_text(json.dumps({"commit": commit, "versions": versions, "rows": rows,
                                       "seed_serve_reload_s": seed_reload},
                                      indent=1) + "\n")
    print(f"figures written to {result_path}")


if __name__ == "__main__":
    main()
