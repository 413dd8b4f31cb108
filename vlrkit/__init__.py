"""vlrkit: config-driven PyTorch toolkit for visual learning and recognition."""
__version__ = '0.1.0'
