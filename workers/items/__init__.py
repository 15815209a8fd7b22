"""Item files: reading an item import's rows and checking each against the item bank's schemas
(the job that writes them is jobs/items/importer.py).
"""
