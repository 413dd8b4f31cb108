"""Put this checkout first on sys.path so tests exercise these files, not another install."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
