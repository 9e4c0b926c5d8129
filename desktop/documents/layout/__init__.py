"""A small flow layout: blocks → pages of drawing operations.

Why not platypus: laying text out ourselves and drawing it with the bare canvas keeps a batch of
1,000 letters close to the canvas floor (DESIGN.md: platypus ~3.9 s, canvas ~2.3 s), and
laying out before drawing tells us the page count, so "page 2 of 3" needs no second build.

Coordinates are PDF points, origin bottom-left. An operation is a plain tuple:

    ("t", x, y, font, size, color, text)              text at baseline y
    ("l", x1, y1, x2, y2, width, color)               line
    ("r", x, y, w, h, stroke | None, fill | None, lw) rectangle
    ("i", x, y, w, h, data)                           PNG/JPEG bytes
    ("d", x, y, drawing, sx, sy)                      reportlab Drawing

The package: `styles` (units, colours, text styles), `text` (wrapping), `flow` (frames and
pages) and `blocks` (each block's layout).
"""
