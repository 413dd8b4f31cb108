"""Text on pictures: labels and scores that stay readable on any image."""
import cv2
import numpy as np


def write_lines(image, lines):
    """A copy of ``image`` with ``lines`` of white text in a darkened band along its top edge."""
    canvas = np.ascontiguousarray(image.copy())
    scale = max(0.35, min(canvas.shape[:2]) / 500)
    (_, height), base = cv2.getTextSize('Ag', cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    step = height + base + 2
    canvas[:step * len(lines) + 2] //= 3
    for row, line in enumerate(lines):
        cv2.putText(canvas, line, (2, step * row + height + 2), cv2.FONT_HERSHEY_SIMPLEX, scale,
                    (255, 255, 255), 1, cv2.LINE_AA)
    return canvas
