"""The batch: reproduce the book chapter by chapter, execute planned runs (Ray or
inline), a notebook kernel client.
"""
