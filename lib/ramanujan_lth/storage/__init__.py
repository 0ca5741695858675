"""Runs on disk: parameters and identity, file names, running and resuming runs,
parking, export, stored masks, status, provenance.
"""
