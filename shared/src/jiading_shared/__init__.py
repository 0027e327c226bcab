"""Common building blocks of the Jiading standards suite."""

__version__ = "0.1.0"
