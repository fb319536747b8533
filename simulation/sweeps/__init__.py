"""Sweeps: experiment files and their designs, the sweep plan (what is done, what is left,
workers, memory and disk) shared by the command line and the Python API, the engine that
runs and stores each run, and the results folder's layout. Above running; below analyses
and the faces."""
