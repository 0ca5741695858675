"""The graph mathematics: spectra of bipartite graphs, graph constructions, the
later measures, statistics (no torch).
"""
