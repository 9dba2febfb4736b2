"""Calibration against evaluation data (evaluation data, summary statistics, fitting)."""
