"""Datasets as whole arrays on the device, and held-out splits."""
