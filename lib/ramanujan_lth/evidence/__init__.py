"""The studies and what they decide: each chapter's runs, the stored runs read
into frames, the claims and their verdicts, the report beside the paper.
"""
