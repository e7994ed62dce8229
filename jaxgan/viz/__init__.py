"""Pictures: sample grids, per-class grids, training plots."""
