from __future__ import annotations

from pathlib import Path

import pytest

from assetbuild.build import pipeline
from assetbuild.build.config import load_config
from assetbuild.build.documents import Bundle
from assetbuild.errors import BuildError


def test_prepare_keeps_bundles_as_outlines_without_their_text(site: Path) -> None:
    prepared = pipeline.prepare(load_config(cwd=site, environ={}))
    bundle = prepared.documents["css/app.css"]
    assert isinstance(bundle, Bundle)
    assert bundle.pieces == () and bundle.outline_of is not None
    assert "img/bg.png" in bundle.dependencies
    full = pipeline.reread(prepared, bundle)
    assert full.pieces and full.dependencies == bundle.dependencies


def test_a_bundle_input_changed_between_reading_and_rendering_fails_the_build(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = pipeline.prepare

    def then_edit(config: object, cache: object = None) -> pipeline.Prepared:
        prepared = real(config, cache)  # type: ignore[arg-type]
        (site / "static/css/reset.css").write_text("body { margin: 1px; }\n")
        return prepared

    monkeypatch.setattr(pipeline, "prepare", then_edit)
    with pytest.raises(BuildError, match="changed during the build") as caught:
        pipeline.build(load_config(cwd=site, environ={}))
    assert caught.value.problems[0].file == str(site / "static/css/reset.css")
    assert not (site / "build/static/manifest.json").exists()
