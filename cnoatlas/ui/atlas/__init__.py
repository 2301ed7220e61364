"""The Atlas page: the clickable skeleton map, the site panel and the evidence overlays."""
