"""Every `make bench` measurement, kept out of the product packages (and out of the wheel).

Each module is runnable (`python -m benchmarks.<name>`), prints its figures and the command that
reproduces them. The shared real data is found through `benchmarks.paths`.
"""
