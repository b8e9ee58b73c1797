"""govern: policy-as-code governance and compliance for machine-learning models."""

__version__ = "0.1.0"
