"""Tests of the build side of the framework integrations (assetbuild.compiler.integrations)."""
