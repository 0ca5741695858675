"""Networks and training: the paper's models, data, training, pruning scores and
schedules, Algorithm 1, controls, one-shot masks, and a network's spectral
report.
"""
