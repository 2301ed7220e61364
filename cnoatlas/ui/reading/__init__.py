"""The Reading page: the cited chapters and search within them."""
