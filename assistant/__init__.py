"""IP policy assistant: grounded, cited answers over a company's IP documents."""

__version__ = "0.1.0"
