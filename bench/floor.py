"""The machine's floor for a build of the corpus: what any fingerprinting asset compiler must do.

    python bench/floor.py SOURCE OUTPUT [--processes 2]
    python bench/floor.py --compress RELEASE OUTPUT --skip png,jpg,... [--processes 2]

Owns: the least work a build of SOURCE can do and still publish it minified and fingerprinted:
read every file, minify ``.js`` with rjsmin and ``.css`` with rcssmin (the C extensions, the ones
assetbuild uses), hash it with sha256 and write it to ``OUTPUT/<dir>/<stem>.<12 hex>.<ext>``,
spread over worker processes.

With ``--compress``, the compression floor instead: the same codecs on the same output bytes.
RELEASE is a release assetbuild built without compression; every file in it (dotfiles left out)
whose extension is not in ``--skip`` (assetbuild's list of formats that carry their own
compression) is read and written to OUTPUT as a gzip 9 and a brotli 11 variant -- the work a
release with ``compress = ["gzip", "br"]`` cannot avoid, whoever does it.

Deliberately left out, so that it stays a floor: reference rewriting, bundling, a manifest, error
reporting, atomic writes. Runs with the peers' venv (``bench/.venv-peers``): stdlib, rjsmin,
rcssmin, brotli. Must not: import assetbuild, or write anywhere but OUTPUT.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def _minify(suffix: str, data: bytes) -> bytes:
    if suffix in (".js", ".cjs", ".mjs"):
        import rjsmin

        return bytes(rjsmin.jsmin(data, keep_bang_comments=True))
    if suffix == ".css":
        import rcssmin

        return bytes(rcssmin.cssmin(data, keep_bang_comments=True))
    return data


def _one(job: tuple[str, str, str]) -> int:
    """Publish one file; return the bytes written."""
    source, output, relative = job
    data = Path(source, relative).read_bytes()
    stem, suffix = os.path.splitext(relative)
    data = _minify(suffix.lower(), data)
    digest = hashlib.sha256(data).hexdigest()[:12]
    target = Path(output, f"{stem}.{digest}{suffix}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return len(data)


def _compress_one(job: tuple[str, str, str]) -> int:
    """Write the gzip 9 and brotli 11 variants of one release file; return the bytes written."""
    import brotli

    release, output, relative = job
    data = Path(release, relative).read_bytes()
    target = Path(output, relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    variants = (
        (".gz", gzip.compress(data, compresslevel=9, mtime=0)),
        (".br", brotli.compress(data, quality=11)),
    )
    for extension, packed in variants:
        Path(f"{target}{extension}").write_bytes(packed)
    return sum(len(packed) for _, packed in variants)


def _files(source: Path) -> list[tuple[int, str]]:
    """(size, relative path) of every file under ``source``, dotfiles left out, largest first, so
    that the big files start early and the two processes finish together."""
    found: list[tuple[int, str]] = []
    for directory, subdirs, names in os.walk(source):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        for name in names:
            if name.startswith("."):
                continue
            path = os.path.join(directory, name)
            found.append((os.path.getsize(path), os.path.relpath(path, source)))
    found.sort(reverse=True)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument(
        "--compress",
        action="store_true",
        help="source is a release: write gzip 9 and brotli 11 of its files, nothing else",
    )
    parser.add_argument(
        "--skip", default="", help="with --compress: extensions not compressed, comma-separated"
    )
    args = parser.parse_args(argv)
    files = _files(args.source)
    work = _one
    if args.compress:
        skip = {f".{e.strip().lower()}" for e in args.skip.split(",") if e.strip()}
        files = [(n, r) for n, r in files if os.path.splitext(r)[1].lower() not in skip]
        work = _compress_one
    jobs = [(str(args.source), str(args.output), relative) for _, relative in files]
    args.output.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(max_workers=max(1, args.processes)) as pool:
        written = sum(pool.map(work, jobs, chunksize=1 if args.compress else 4))
    print(f"floor: {len(files)} files, {written} bytes written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
