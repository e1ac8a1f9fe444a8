"""The story list: the paged model and the panel with its search and filters."""
