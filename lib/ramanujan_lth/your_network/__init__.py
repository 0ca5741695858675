"""Bring your own network: the spectral report of any PyTorch model, its
checkpoint, portable mask files.
"""
