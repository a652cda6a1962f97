"""Tests of assetbuild.doctor: the factor-VI findings, from settings and apps."""
