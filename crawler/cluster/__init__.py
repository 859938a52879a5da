"""Cluster mode: what the processes of a cluster share in Redis (shared.py), `rasid worker`
(worker.py: Scrapy over a shared frontier) and `rasid writer` (writer.py: the one writer of the store)."""
