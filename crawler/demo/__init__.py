"""`rasid demo` (demo.py) and `rasid replay serve` (replay.py): snapshot sites served on 127.0.0.1
like the real thing, and Rasid run end to end over them."""
