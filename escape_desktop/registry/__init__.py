"""The receiving side: many sites' upload files merged into one registry, reported on and exported.

For whoever collects the files (a commissioner, an integrated care board, a provider with
several venues). Its own data folder and database, apart from any class data; no Qt.
"""
