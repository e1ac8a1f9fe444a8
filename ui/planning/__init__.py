"""The desk chief's planning view: the day or week timeline of scheduled and published stories."""
