"""The machine's floor for a build of the corpus: what any fingerprinting asset compiler must do.

    python bench/floor.py SOURCE OUTPUT [--processes 2] [--compress]

Owns: the least work a build of SOURCE can do and still publish it minified and fingerprinted:
read every file, minify ``.js`` with rjsmin and ``.css`` with rcssmin (the C extensions, the ones
assetbuild uses), hash it with sha256 and write it to ``OUTPUT/<dir>/<stem>.<12 hex>.<ext>``,
spread over worker processes. With ``--compress`` it also writes gzip 9 and brotli 11 variants of
every text output (the work a release with ``compress = ["gzip", "br"]`` cannot avoid).

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

TEXT = {".css", ".js", ".cjs", ".mjs", ".map", ".svg", ".json", ".txt", ".html", ".xml"}


def _minify(suffix: str, data: bytes) -> bytes:
    if suffix in (".js", ".cjs", ".mjs"):
        import rjsmin

        return bytes(rjsmin.jsmin(data, keep_bang_comments=True))
    if suffix == ".css":
        import rcssmin

        return bytes(rcssmin.cssmin(data, keep_bang_comments=True))
    return data


def _one(job: tuple[str, str, str, bool]) -> int:
    """Publish one file; return the bytes written."""
    source, output, relative, compress = job
    data = Path(source, relative).read_bytes()
    stem, suffix = os.path.splitext(relative)
    data = _minify(suffix.lower(), data)
    digest = hashlib.sha256(data).hexdigest()[:12]
    target = Path(output, f"{stem}.{digest}{suffix}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    written = len(data)
    if compress and suffix.lower() in TEXT:
        import brotli

        variants = (
            (".gz", gzip.compress(data, compresslevel=9, mtime=0)),
            (".br", brotli.compress(data, quality=11)),
        )
        for extension, packed in variants:
            Path(f"{target}{extension}").write_bytes(packed)
            written += len(packed)
    return written


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
    parser.add_argument("--compress", action="store_true", help="also gzip 9 and brotli 11")
    args = parser.parse_args(argv)
    files = _files(args.source)
    jobs = [(str(args.source), str(args.output), relative, args.compress) for _, relative in files]
    args.output.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(max_workers=max(1, args.processes)) as pool:
        written = sum(pool.map(_one, jobs, chunksize=4))
    print(f"floor: {len(files)} files, {written} bytes written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
