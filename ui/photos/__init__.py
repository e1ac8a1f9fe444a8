"""A story's photos: attaching, thumbnails, the photo strip and the helper processes that
decode images.
"""
