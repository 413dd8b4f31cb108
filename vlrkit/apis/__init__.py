"""Using a trained model: build it from its config and checkpoint, run it on one's own images."""
from .inference import inference_model, init_model, list_images  # noqa: F401
