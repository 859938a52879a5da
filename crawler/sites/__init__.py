"""The monitored sites, asked now: `rasid sites add` (add.py: a site's entry found from its address)
and `rasid sites check` (check.py: whether its feeds and sitemaps still work)."""
