"""OCTO supplier API: resellers read availability and book into tourflow."""
