"""Web archives: WARC and ARC records read whatever their damage (reader.py), `rasid import warc`
(importer.py) and `rasid export warc` (exporter.py)."""
