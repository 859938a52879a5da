"""What every request Rasid makes keeps to, Scrapy's or not: the address policy, the limits, the
back-off of retries, secrets in URLs never printed; and the one HTTP client outside Scrapy (fetch)."""
