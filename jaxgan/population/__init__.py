"""Populations: the grid of seeds x sweeps, the backends that train it, device meshes."""
