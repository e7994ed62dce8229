"""Judging samples: the evaluator network, the metric runner, rejection sampling, baselines."""
