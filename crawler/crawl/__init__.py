"""A crawl with Scrapy: its settings, the downloader middlewares and DNS resolver that hold the
address policy, the item pipelines (extraction in a pool of processes, then the store), and the
runner (`rasid crawl`, in this process or a child). Nothing here is imported by a command that does
not crawl: Scrapy is imported by the modules that need it, not by this package."""
