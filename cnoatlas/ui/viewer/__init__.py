"""The image viewer: series on screen, its overlay items, annotations, grids, loading and the tag browser."""
