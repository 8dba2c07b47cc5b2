"""The OCTO supplier API under /octo (see domain/octo)."""
