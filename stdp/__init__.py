"""stdp: unsupervised STDP learning of digits on Brian2 (Diehl & Cook, 2015)."""

__version__ = "0.1.0"
