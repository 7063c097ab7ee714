"""Experiment glue: turn one run-sheet row into a trained model and metrics, using the rest of mmcore.

Step scripts call these functions and nothing else; each experiment family has one module. Nothing
else in mmcore imports from here: the models on disk are :mod:`mmcore.checkpoint`'s.
"""
