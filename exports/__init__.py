"""Files Cadence writes for people: the coach's static site, the weekly digests and their
delivery by email."""
