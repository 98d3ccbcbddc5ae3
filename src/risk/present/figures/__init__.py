"""Plotly figure builders: pure functions that return ``go.Figure`` (no rendering).

One module per audience: ``cohort`` (tumor board), ``evaluation`` (model validation),
``patient`` (one patient's estimate).
"""
