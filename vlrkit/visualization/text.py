"""Text on pictures: labels and scores that stay readable on any image."""
import cv2


def write_lines(image, lines):
    """``lines`` of text in the top-left corner, black on a white tag so any image reads them."""
    canvas = image.copy()
    font_scale = max(0.35, min(canvas.shape[:2]) / 500)
    y = 0
    for line in lines:
        (w, h), base = cv2.getTextSize(line, cv2.FONT_HERSHEY_SIMPLEX, font_scale, 1)
        cv2.rectangle(canvas, (0, y), (w + 4, y + h + base + 4), (255, 255, 255), -1)
        cv2.putText(canvas, line, (2, y + h + 2), cv2.FONT_HERSHEY_SIMPLEX, font_scale,
                    (0, 0, 0), 1, cv2.LINE_AA)
        y += h + base + 4
    return canvas
