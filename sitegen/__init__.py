"""sitegen: a static site generator for Hugging Face "Daily Papers" digests."""

__version__ = "0.1.0"
# The name on the package index (PyPI's "sitegen" is an unrelated project); the command
# and the import package are both `sitegen`.
DISTRIBUTION = "sitegen-digest"
