"""The webassets 3.0 peer: the corpus's bundles, built the way a webassets project builds them.

    python bench/webassets_build.py SOURCE OUTPUT BUNDLES_JSON

Owns: one webassets ``Environment`` (load path SOURCE served at ``/static/``, output in OUTPUT,
md5 ``hash`` versions in the file names, a JSON manifest, no cache) and one ``Bundle`` per entry
of BUNDLES_JSON (``{"bundles/<package>.css": [inputs...]}``, the same bundles as assetbuild's
config): ``cssrewrite`` then ``rcssmin`` for CSS, ``rjsmin`` for JS; every bundle built once.
Like webassets itself, it publishes the bundles only: fonts and images stay where they are.
Runs with the peers' venv. Must not: import assetbuild.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.split("\n\n")[1].strip(), file=sys.stderr)
        return 2
    source, output, table = Path(argv[0]).resolve(), Path(argv[1]).resolve(), Path(argv[2])
    from webassets import Bundle, Environment

    output.mkdir(parents=True, exist_ok=True)
    env = Environment(directory=str(output), url="/static/")
    env.append_path(str(source), "/static/")
    env.versions = "hash"
    env.manifest = "json:manifest.json"
    env.cache = False
    env.auto_build = False
    bundles = json.loads(table.read_text(encoding="utf-8"))
    for name, inputs in bundles.items():
        stem, dot, extension = name.rpartition(".")
        filters = "cssrewrite,rcssmin" if extension == "css" else "rjsmin"
        bundle = Bundle(*inputs, filters=filters, output=f"{stem}.%(version)s{dot}{extension}")
        env.register(name, bundle)
        bundle.build(force=True)
    print(f"webassets: {len(bundles)} bundles built")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
