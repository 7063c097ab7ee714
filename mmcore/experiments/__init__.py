"""Experiment glue: turn one run-sheet row into a trained model and metrics, using the rest of mmcore.

Step scripts call these functions and nothing else; each experiment family has one module.
"""
