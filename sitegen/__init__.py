"""sitegen: a static site generator for Hugging Face "Daily Papers" digests."""

__version__ = "0.1.0"
