"""Protocol codecs (pure, no I/O): HJ 212-2017, DL/T 645-2007."""
