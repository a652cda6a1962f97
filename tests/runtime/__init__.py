"""Tests of assetbuild.runtime, on the checked-in manifests under fixtures/runtime."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "runtime"
GOLDEN = FIXTURES / "release" / "manifest.json"
BROKEN = FIXTURES / "broken"

# What the Flask and Django test pages render from the golden manifest, byte for byte.
EXPECTED_PAGE = """<head>
<link rel="stylesheet" href="/static/css/app.7d9d3ab0140e.css" integrity="sha384-THSU0CUS2WLIKqnCGDe/ANkS2y6GZ1QBTrplFDED88hQyBDtpP3a/NMjubicUdbb" crossorigin="anonymous">
<script src="/static/js/app.dcf5f8243b2f.js" integrity="sha384-V9EI/3tAzm7QR19uFoJW9OQSWFPJwCm0A8uXWFGPgIid03IbMZ7HMlAk0dCIwIol" crossorigin="anonymous" defer></script>
<link rel="preload" href="/static/fonts/inter.f386309f51a4.woff2" as="font" integrity="sha384-5CkIzX9R62yaDnMs52eU/CbAj80/jiklz/jP3JkrN0AJ2CGxPufkoZyglfUwXKIS" crossorigin="anonymous">
</head><img src="/static/img/hero%20banner.233d5d979a2f.jpg" data-sri="sha384-hMXeZdyQKNWrKwo9MFuyjGBdioeR375bn6hNUMpXhl/OYh0p3reZbcpeLnqhQvxP">"""  # noqa: E501
