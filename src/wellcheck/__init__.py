"""wellcheck: supply-chain scanner for serverless deployment artifacts."""

__version__ = "0.1.0"
