"""Offline data for the course: generators and loaders of data that ships with packages.

Every function returns NumPy arrays and never touches the network. One file per source.
"""
